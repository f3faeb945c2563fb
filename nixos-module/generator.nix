# Registers vmsilo-generator, which turns /etc/vmsilo/*.vm into each VM's unit
# chain at boot and on every daemon-reload, and the host state directories.
{ config, lib, ... }:
let
  inherit (lib) mkIf mapAttrsToList concatLists optionals;
  cfg = config.programs.vmsilo;

  homeOf = name: vm:
    if vm.sharedHome == true then "/shared/${name}/home"
    else if vm.sharedHome == false then null else vm.sharedHome;

  # The .vm files change without any unit file changing; carrying their hash
  # in a unit makes `nixos-rebuild switch` reload systemd, which re-runs the
  # generator.
  vmFiles = lib.filterAttrs (n: _: lib.hasPrefix "vmsilo/" n) config.environment.etc;
  configHash = builtins.hashString "sha256"
    (lib.concatStrings (mapAttrsToList (n: f: n + f.text) vmFiles));
in
{
  config = mkIf cfg.enable {
    systemd.generators.vmsilo = "${cfg.package}/lib/systemd/system-generators/vmsilo-generator";
    systemd.packages = [ cfg.package ];

    systemd.targets.vmsilo = {
      description = "vmsilo VMs";
      wantedBy = [ "multi-user.target" ];
      unitConfig.X-VmsiloConfigHash = configHash;
    };

    users.groups.vmsilo = { };
    users.users.${cfg.user}.extraGroups = [ "vmsilo" ];

    # `C` copies the template only when the home does not exist yet, so a
    # VM's home is seeded once and then left alone.
    systemd.tmpfiles.rules = [
      "d /shared 0755 ${cfg.user} vmsilo -"
      "d /var/lib/vmsilo 0755 root root -"
      "d /var/lib/vmsilo/home-template 0755 ${cfg.user} vmsilo -"
    ] ++ concatLists (mapAttrsToList (name: vm:
      let home = homeOf name vm; in
      optionals (home != null) [
        "d ${builtins.dirOf home} 0755 ${cfg.user} vmsilo -"
        "C ${home} - - - - /var/lib/vmsilo/home-template"
        "Z ${home} - ${cfg.user} vmsilo -"
      ]) cfg.nixosVms);
  };
}
