# makeRootfsNixos: the guest image of a VM, built from NixOS.
#   makeRootfsNixos { name, guestPrograms, guestConfig, copyChannel, rootOverlay }
#     -> { kernel, vmlinux, initrd, rootfs, toplevel, kernelParams }
# The name only labels the build: VMs with the same programs, configuration,
# copyChannel and rootOverlay ("raw" or "tmpfs") get the same image, because
# everything else per-VM reaches the guest on the kernel command line.
{ pkgs, lib, vmsiloPackage ? pkgs.callPackage ../package.nix { } }:
{ name ? "guest", guestPrograms ? [ ], guestConfig ? { }, copyChannel ? false, rootOverlay ? "raw" }:
let
  nixos = import "${pkgs.path}/nixos/lib/eval-config.nix" {
    system = pkgs.stdenv.hostPlatform.system;
    modules = [
      ./configuration.nix
      guestConfig
      {
        vmsilo.guest.package = vmsiloPackage;
        vmsilo.guest.rootOverlay = rootOverlay;
        environment.systemPackages = guestPrograms;
        nix.nixPath = lib.mkIf copyChannel [ "nixpkgs=${pkgs.path}" ];
      }
    ];
  };
  cfg = nixos.config;
  toplevel = cfg.system.build.toplevel;
  closure = pkgs.closureInfo { rootPaths = [ toplevel ]; };
in
{
  inherit toplevel;
  # vmsilo-launch boots the kernel directly, without a boot loader to add
  # the system's own parameters; the host module passes these on.
  kernelParams = cfg.boot.kernelParams;
  kernel = "${cfg.boot.kernelPackages.kernel}/${cfg.system.boot.loader.kernelFile}";
  # the uncompressed ELF image, for VMMs that boot through the PVH entry
  # point (cloud-hypervisor)
  vmlinux = "${cfg.boot.kernelPackages.kernel.dev}/vmlinux";
  initrd = "${cfg.system.build.initialRamdisk}/${cfg.system.boot.loader.initrdFile}";
  # A read-only erofs holding the store closure; the initrd lays the
  # writable overlay over it.
  rootfs = pkgs.runCommand "vmsilo-guest-rootfs.erofs" {
    nativeBuildInputs = [ pkgs.erofs-utils ];
  } ''
    mkdir -p root/nix/store root/sbin root/etc
    xargs -a ${closure}/store-paths cp -a -t root/nix/store
    cp ${closure}/registration root/nix-path-registration
    ln -s ${toplevel}/init root/sbin/init
    mkfs.erofs -zlz4hc -T0 --all-root $out root
  '';
}
