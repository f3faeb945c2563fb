# The host commands (vm-run, vm-start, vm-stop, vm-shell, ...) and their bash
# completion, which offers the configured VM names.
{ config, lib, ... }:
let
  cfg = config.programs.vmsilo;
  names = lib.concatStringsSep " " (lib.attrNames cfg.nixosVms);
in
{
  config = lib.mkIf cfg.enable {
    environment.systemPackages = [ cfg.package ];

    programs.bash.interactiveShellInit = lib.mkIf cfg.enableBashIntegration ''
      _vmsilo_vm_names() {
        local cur=''${COMP_WORDS[COMP_CWORD]}
        if [ "$COMP_CWORD" -eq 1 ]; then
          COMPREPLY=($(compgen -W "${names}" -- "$cur"))
        elif [ "$COMP_CWORD" -eq 2 ]; then
          COMPREPLY=($(compgen -c -- "$cur"))
        fi
      }
      # vm-usb is left to the package's completion, which knows its commands and devices
      complete -F _vmsilo_vm_names vm-run vm-start vm-stop vm-shell
    '';
  };
}
