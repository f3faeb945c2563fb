# Evaluates the guest's NixOS configuration (rootfs/configuration.nix) with
# the option namespaces it sets declared loosely and stub pkgs: what the guest
# mounts and which units it enables, without building anything.
#   nix-instantiate --eval --strict --json tests/nix/guest-eval.nix \
#     --arg libPath /path/to/nixpkgs/lib --argstr rootOverlay tmpfs
{ libPath, rootOverlay ? "raw" }:
let
  lib = import libPath;
  pkgs = import ./stub-pkgs.nix;
  loose = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.anything; default = { }; };
  evaluated = lib.evalModules {
    specialArgs = { inherit pkgs; };
    modules = [
      {
        options = lib.genAttrs [ "boot" "fileSystems" "users" "systemd" "environment" "services"
          "networking" "documentation" "system" ] (_: loose);
      }
      ../../rootfs/configuration.nix
      {
        vmsilo.guest.package = pkgs.callPackage null { };
        vmsilo.guest.rootOverlay = rootOverlay;
      }
    ];
  };
  c = evaluated.config;
  # units the configuration only enables (no ExecStart of its own): they must
  # come from the package
  enabled = units: lib.attrNames (lib.filterAttrs (_: u: u ? wantedBy && !(u ? serviceConfig)) units);
in
{
  inherit (c) fileSystems;
  initrdSystemd = c.boot.initrd.systemd.enable or false;
  services = enabled c.systemd.services;
  sockets = enabled (c.systemd.sockets or { });
  userServices = enabled c.systemd.user.services;
  inlineUserServices = lib.attrNames (lib.filterAttrs (_: u: u ? serviceConfig) c.systemd.user.services);
}
