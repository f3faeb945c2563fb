# Host side of VM networking that belongs to the NixOS system rather than to
# the per-VM units: forwarding for VMs that route through the host. TAPs,
# bridges and nftables rules come from vmsilo-net, started by the VM's units.
{ config, lib, ... }:
let
  cfg = config.programs.vmsilo;
  routesViaHost = lib.any (vm: vm.network.netvm == "host"
    || lib.any (i: i.tap.hostAddress != null) (lib.attrValues vm.network.interfaces))
    (lib.attrValues cfg.nixosVms);
in
{
  config = lib.mkIf (cfg.enable && routesViaHost) {
    boot.kernel.sysctl."net.ipv4.ip_forward" = lib.mkDefault 1;
  };
}
