# vmsilo-balloond: moves memory between host and running VMs through
# virtio-balloon, reacting to host memory pressure.
{ config, lib, ... }:
let
  cfg = config.programs.vmsilo;
  b = cfg.vmsilo-balloond;
in
{
  config = lib.mkIf (cfg.enable && cfg.nixosVms != { }) {
    systemd.services.vmsilo-balloond = {
      description = "vmsilo memory balloon daemon";
      wantedBy = [ "multi-user.target" ];
      serviceConfig = {
        ExecStart = lib.escapeShellArgs ([
          "${cfg.package}/libexec/vmsilo/vmsilo-balloond"
          "--log-level" b.logLevel
          "--poll-interval" b.pollInterval
          "--min-poll-interval" b.minPollInterval
          "--psi-ceiling" (toString b.psiCeiling)
          "--critical-host-percent" (toString b.criticalHostPercent)
          "--critical-guest-available" b.criticalGuestAvailable
          "--guest-available-bias" b.guestAvailableBias
        ] ++ b.extraArgs);
        Restart = "on-failure";
        ProtectSystem = "strict";
        ProtectHome = true;
        PrivateNetwork = true;
        NoNewPrivileges = true;
      };
    };
  };
}
