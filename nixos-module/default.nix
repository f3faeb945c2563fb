# vmsilo NixOS module: programs.vmsilo.* -> /etc/vmsilo/<vm>.vm files, the
# unit generator that turns them into systemd units, CLI, polkit, desktop
# entries and host-side integration. Each file below handles one concern.
{
  imports = [
    ./options.nix
    ./vm-config.nix
    ./assertions.nix
    ./generator.nix
    ./cli.nix
    ./polkit.nix
    ./desktop.nix
    ./networking-host.nix
    ./pci.nix
    ./usb.nix
    ./balloond.nix
  ];
}
