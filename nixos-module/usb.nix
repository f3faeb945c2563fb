# USB passthrough: vmsilo-usb-host gives a device to the host kernel's
# usbip-host driver, which then carries its traffic to the guest; the module
# is loaded at boot, so vm-usb works for every VM without further setup.
{ config, lib, ... }:
let
  cfg = config.programs.vmsilo;
in
{
  config = lib.mkIf cfg.enable {
    boot.kernelModules = [ "usbip-host" ];
  };
}
