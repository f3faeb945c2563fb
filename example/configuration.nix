# A desktop with vmsilo: import this from your configuration.nix, or use
# example/flake.nix. The VMs themselves are in vms.nix.
{ ... }:
{
  imports = [ ./vms.nix ];

  users.users.alice = {
    isNormalUser = true;
    extraGroups = [ "wheel" ];
  };
}
