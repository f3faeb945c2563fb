# A host menu folder per VM holding the desktop entries of its guestPrograms,
# each rewritten to `vm-run <vm> <command>`, with the programs' icons.
# desktop-entries.sh does the work for one VM.
{ config, lib, pkgs, ... }:
let
  cfg = config.programs.vmsilo;
  hasGpu = vm: vm.gpu.wayland || vm.gpu.opengl || vm.gpu.vulkan;
  withMenu = lib.filterAttrs (_: vm: hasGpu vm && vm.guestPrograms != [ ]) cfg.nixosVms;

  entries = pkgs.runCommand "vmsilo-desktop-entries" { } (''
    mkdir -p $out
  '' + lib.concatStrings (lib.mapAttrsToList (name: vm: ''
    ${pkgs.bash}/bin/bash ${./desktop-entries.sh} $out ${lib.escapeShellArg name} ${lib.escapeShellArgs vm.guestPrograms}
  '') withMenu));
in
{
  config = lib.mkIf (cfg.enable && withMenu != { }) {
    environment.systemPackages = [ entries ];
    environment.pathsToLink = [ "/share/desktop-directories" "/etc/xdg/menus" ];
  };
}
