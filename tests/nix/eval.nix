# Evaluates the vmsilo NixOS module with the NixOS stand-ins and stub pkgs.
#   nix-instantiate --eval --strict --json tests/nix/eval.nix \
#     --arg libPath /path/to/nixpkgs/lib --arg configuration ./some-config.nix
# Result: { etc = { "<vm>.vm" = text; }; failedAssertions; warnings; ... }
{ libPath, configuration }:
let
  lib = import libPath;
  pkgs = import ./stub-pkgs.nix;
  # Guest images cannot be built without nixpkgs; stable fake paths stand in.
  # A RAM overlay needs another image (its fileSystems differ), which the
  # path of the fake image shows.
  fakeRootfs = { name, rootOverlay, ... }: {
    kernel = "/nix/store/11111111111111111111111111111111-vmsilo-guest-kernel/bzImage";
    vmlinux = "/nix/store/55555555555555555555555555555555-vmsilo-guest-kernel-dev/vmlinux";
    initrd = "/nix/store/22222222222222222222222222222222-vmsilo-guest-initrd/initrd";
    rootfs = "/nix/store/33333333333333333333333333333333-vmsilo-guest-rootfs"
      + (if rootOverlay == "tmpfs" then "-tmpfs" else "") + ".erofs";
    toplevel = "/nix/store/44444444444444444444444444444444-nixos-system-vmsilo-guest";
    kernelParams = [ "console=hvc0" "root=fstab" ];
  };
  evaluated = lib.evalModules {
    specialArgs = { inherit pkgs; };
    modules = [
      ./nixos-stubs.nix
      ../../nixos-module
      configuration
      { programs.vmsilo.rootfsBuilder = fakeRootfs; }
    ];
  };
  cfg = evaluated.config;
  vmFiles = lib.filterAttrs (n: _: lib.hasPrefix "vmsilo/" n) cfg.environment.etc;
in
{
  etc = lib.mapAttrs' (n: f: lib.nameValuePair (lib.removePrefix "vmsilo/" n) f.text) vmFiles;
  failedAssertions = map (a: a.message) (lib.filter (a: !a.assertion) cfg.assertions);
  inherit (cfg) warnings;
  generators = cfg.systemd.generators;
  tmpfiles = cfg.systemd.tmpfiles.rules;
  polkit = cfg.security.polkit.extraConfig;
  bash = cfg.programs.bash.interactiveShellInit;
  systemPackages = map (p: p.name) cfg.environment.systemPackages;
  kernelModules = cfg.boot.kernelModules;
}
