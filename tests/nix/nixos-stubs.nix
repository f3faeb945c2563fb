# The few NixOS options the vmsilo module sets, declared loosely so that
# lib.evalModules can evaluate the module without a full nixpkgs. Only what
# the module touches is here; real NixOS declares all of these.
{ lib, ... }:
let
  inherit (lib) mkOption types;
  anyAttrs = mkOption { type = types.lazyAttrsOf types.anything; default = { }; };
  anyList = mkOption { type = types.listOf types.anything; default = [ ]; };
in
{
  options = {
    assertions = mkOption {
      type = types.listOf (types.submodule {
        options.assertion = mkOption { type = types.bool; };
        options.message = mkOption { type = types.str; };
      });
      default = [ ];
    };
    warnings = mkOption { type = types.listOf types.str; default = [ ]; };

    environment.etc = mkOption {
      type = types.attrsOf (types.submodule {
        options.text = mkOption { type = types.lines; };
        options.mode = mkOption { type = types.str; default = "symlink"; };
      });
      default = { };
    };
    environment.systemPackages = anyList;
    environment.pathsToLink = mkOption { type = types.listOf types.str; default = [ ]; };

    systemd.generators = mkOption { type = types.attrsOf types.str; default = { }; };
    systemd.packages = anyList;
    systemd.services = anyAttrs;
    systemd.targets = anyAttrs;
    systemd.tmpfiles.rules = mkOption { type = types.listOf types.str; default = [ ]; };

    users.users = mkOption {
      type = types.attrsOf (types.submodule {
        options.uid = mkOption { type = types.nullOr types.int; default = null; };
        options.isNormalUser = mkOption { type = types.bool; default = false; };
        options.extraGroups = mkOption { type = types.listOf types.str; default = [ ]; };
      });
      default = { };
    };
    users.groups = anyAttrs;

    security.polkit.enable = mkOption { type = types.bool; default = false; };
    security.polkit.extraConfig = mkOption { type = types.lines; default = ""; };
    programs.bash.interactiveShellInit = mkOption { type = types.lines; default = ""; };

    boot.kernel.sysctl = anyAttrs;
    boot.kernelParams = mkOption { type = types.listOf types.str; default = [ ]; };
    boot.initrd.kernelModules = mkOption { type = types.listOf types.str; default = [ ]; };
    boot.kernelModules = mkOption { type = types.listOf types.str; default = [ ]; };
  };
}
