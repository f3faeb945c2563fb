# Lets the configured user start, stop and restart vmsilo units (vm-start,
# vm-stop, socket activation from the desktop) without sudo. Other units and
# other users are left to the default policy.
{ config, lib, ... }:
let
  cfg = config.programs.vmsilo;
in
{
  config = lib.mkIf cfg.enable {
    security.polkit.enable = true;
    security.polkit.extraConfig = ''
      polkit.addRule(function(action, subject) {
        if (action.id == "org.freedesktop.systemd1.manage-units" &&
            subject.user == ${builtins.toJSON cfg.user}) {
          var unit = action.lookup("unit");
          var verb = action.lookup("verb");
          if (unit && unit.indexOf("vmsilo-") == 0 &&
              (verb == "start" || verb == "stop" || verb == "restart")) {
            return polkit.Result.YES;
          }
        }
      });
    '';
  };
}
