# PCI passthrough: devices listed in isolatedPciDevices are claimed by
# vfio-pci early, before their native drivers can bind.
{ config, lib, ... }:
let
  cfg = config.programs.vmsilo;
  full = addr: if builtins.match "[0-9a-fA-F]{4}:.*" addr != null then addr else "0000:${addr}";
  devices = map full cfg.isolatedPciDevices;
in
{
  config = lib.mkIf (cfg.enable && devices != [ ]) {
    boot.initrd.kernelModules = [ "vfio-pci" ];
    boot.kernelParams = [ "intel_iommu=on" "iommu=pt" ];

    systemd.services.vmsilo-vfio-bind = {
      description = "Bind isolated PCI devices to vfio-pci";
      wantedBy = [ "sysinit.target" ];
      before = [ "sysinit.target" "systemd-udevd.service" ];
      unitConfig.DefaultDependencies = false;
      serviceConfig = { Type = "oneshot"; RemainAfterExit = true; };
      script = lib.concatMapStrings (dev: ''
        d=/sys/bus/pci/devices/${dev}
        if [ ! -e "$d" ]; then echo "vmsilo: PCI device ${dev} not found" >&2; exit 1; fi
        echo vfio-pci > "$d/driver_override"
        if [ -e "$d/driver" ] && [ "$(basename "$(readlink "$d/driver")")" != vfio-pci ]; then
          echo ${dev} > "$d/driver/unbind"
        fi
        [ -e "$d/driver" ] || echo ${dev} > /sys/bus/pci/drivers_probe
      '') devices;
    };
  };
}
