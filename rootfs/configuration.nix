# The guest's NixOS configuration: boots from the erofs image with a
# writable overlay, runs one desktop user's session and vmsilo's guest units.
{ config, lib, pkgs, ... }:
let
  cfg = config.vmsilo.guest;
in
{
  options.vmsilo.guest = {
    package = lib.mkOption {
      type = lib.types.package;
      description = "vmsilo package providing the guest programs and units.";
    };
    rootOverlay = lib.mkOption {
      type = lib.types.enum [ "raw" "tmpfs" ];
      default = "raw";
      description = ''
        Where the writable layer over the read-only store lives: "raw" on the
        scratch disk the host attaches as /dev/vdb (formatted on first use),
        "tmpfs" in guest RAM (nothing written survives a power-off).
      '';
    };
  };

  config = {
    boot.loader.grub.enable = false;
    # systemd in the initrd creates the overlay's upper and work directories
    # before it mounts /nix/store
    boot.initrd.systemd.enable = lib.mkDefault true;
    boot.initrd.availableKernelModules = [ "virtio_pci" "virtio_blk" "virtio_console" "erofs" "overlay" ];
    boot.initrd.kernelModules = [ "vmw_vsock_virtio_transport" "virtio_gpu" ];
    boot.kernelParams = [ "console=hvc0" "quiet" ];

    # /dev/vda: the read-only erofs image. The writable layer: the raw
    # scratch disk /dev/vdb, or RAM (vmsilo-launch attaches no disk then).
    fileSystems."/nix/.ro-store" = { device = "/dev/vda"; fsType = "erofs"; neededForBoot = true; };
    fileSystems."/nix/.rw-store" =
      if cfg.rootOverlay == "raw" then
        { device = "/dev/vdb"; fsType = "ext4"; neededForBoot = true; autoFormat = true; }
      else
        { device = "tmpfs"; fsType = "tmpfs"; neededForBoot = true; options = [ "mode=0755" ]; };
    fileSystems."/nix/store" = {
      fsType = "overlay";
      device = "overlay";
      overlay = {
        lowerdir = [ "/nix/.ro-store/nix/store" ];
        upperdir = "/nix/.rw-store/store";
        workdir = "/nix/.rw-store/work";
      };
    };
    fileSystems."/" = { device = "tmpfs"; fsType = "tmpfs"; options = [ "mode=0755" ]; };

    users.users.user = { uid = 1000; isNormalUser = true; extraGroups = [ "audio" "video" ]; };
    users.mutableUsers = false;

    systemd.packages = [ cfg.package ];
    environment.systemPackages = [ cfg.package ];
    systemd.sockets.vmsilo-guest-cmd.wantedBy = [ "sockets.target" ];
    systemd.services.vmsilo-idle-watchdog.wantedBy = [ "multi-user.target" ];
    # memory reports for the host's vmsilo-balloond (vsock port 5003)
    systemd.services.vmsilo-guest-memstat.wantedBy = [ "multi-user.target" ];
    # USB devices from the host (vsock port 5002) attach to vhci_hcd
    boot.kernelModules = [ "vhci-hcd" ];
    systemd.sockets.vmsilo-usb-guest.wantedBy = [ "sockets.target" ];

    # notifications and tray items to the host (user unit; what to forward
    # comes from vmsilo.notifications= and vmsilo.tray= on the command line)
    systemd.user.services.vmsilo-dbus-proxy.wantedBy = [ "default.target" ];

    # The user's manager runs from boot so vm-run finds it.
    systemd.tmpfiles.rules = [ "f /var/lib/systemd/linger/user" ];

    # Windows reach the host through wayland-proxy-virtwl over virtio-gpu.
    # A VM without a GPU device ([GPU] off) has no /dev/dri: the unit is
    # skipped there rather than failing at every boot.
    systemd.user.services.wayland-proxy-virtwl = {
      description = "Wayland proxy to the host";
      wantedBy = [ "default.target" ];
      unitConfig.ConditionPathExistsGlob = "/dev/dri/card*";
      serviceConfig.ExecStart = "${pkgs.wayland-proxy-virtwl}/bin/wayland-proxy-virtwl --virtio-gpu --wayland-display=wayland-0";
      environment.XDG_RUNTIME_DIR = "/run/user/1000";
    };
    environment.sessionVariables.WAYLAND_DISPLAY = "wayland-0";

    # The network comes from the kernel command line: vmsilo-guest-net
    # writes .link/.network files for systemd-networkd and a drop-in for
    # systemd-resolved under /run before udev and networkd start. Interfaces
    # are static unless the host passes vmsilo.dhcp=, so NixOS's catch-all
    # DHCP .network stays off.
    systemd.services.vmsilo-guest-net.wantedBy = [ "sysinit.target" ];
    networking.useNetworkd = lib.mkDefault true;
    networking.useDHCP = lib.mkDefault false;
    services.resolved.enable = lib.mkDefault true;
    # The addresses are static and in place once networkd starts; a VM
    # without a network would otherwise hold anything ordered after
    # network-online.target for the wait's whole timeout.
    systemd.network.wait-online.enable = lib.mkDefault false;
    # A netvm's resolved answers its clients on port 53 of its address towards
    # each of them (DNSStubListenerExtra= in the drop-in); other VMs have no
    # listener there. vmsilo-net guest-router limits clients to that port.
    networking.firewall.allowedUDPPorts = [ 53 ];
    networking.firewall.allowedTCPPorts = [ 53 ];
    # a netvm's NAT and client isolation (skipped without vmsilo.netvm=1)
    systemd.services.vmsilo-guest-router.wantedBy = [ "multi-user.target" ];
    documentation.enable = lib.mkDefault false;
    system.stateVersion = "25.11";
  };
}
