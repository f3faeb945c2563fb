# Mistakes caught at evaluation time, each message saying what is wrong and
# what to change. The C parser checks the same rules again at VM start.
{ config, lib, ... }:
let
  inherit (lib) mkIf concatLists mapAttrsToList attrNames filterAttrs
    groupBy concatStringsSep length filter hasAttr;
  cfg = config.programs.vmsilo;
  vms = cfg.nixosVms;
  userCfg = config.users.users.${cfg.user} or null;

  perVm = f: concatLists (mapAttrsToList f vms);

  # Names that share one value of `key`, as "value (a, b)" strings.
  duplicates = key: vmsWithKey:
    let groups = groupBy (n: toString (key vms.${n})) vmsWithKey;
    in mapAttrsToList (v: ns: "${v} (${concatStringsSep ", " ns})")
      (filterAttrs (_: ns: length ns > 1) groups);

  dupCids = duplicates (vm: vm.cid) (attrNames (filterAttrs (_: vm: vm.cid != null) vms));
  dupColors = duplicates (vm: vm.color) (attrNames vms);
in
{
  config = mkIf cfg.enable {
    assertions = [
      {
        assertion = userCfg != null && userCfg.uid != null;
        message = "programs.vmsilo.user = \"${cfg.user}\" needs an explicit uid: set users.users.${cfg.user}.uid (for example to 1000).";
      }
      {
        assertion = !(hasAttr "host" vms);
        message = "programs.vmsilo.nixosVms.host: the VM name \"host\" is reserved (it means the host in network.netvm); rename the VM.";
      }
    ]
    ++ perVm (name: vm: [
      {
        assertion = builtins.match "[a-z0-9][a-z0-9_-]{0,63}" name != null;
        message = "programs.vmsilo.nixosVms.${name}: VM names are 1-64 lowercase letters, digits, '-' and '_', starting with a letter or digit; rename the VM.";
      }
      {
        assertion = vm.network.netvm == null || vm.network.netvm == "host"
          || (vms.${vm.network.netvm} or null) != null && vms.${vm.network.netvm}.network.isNetvm;
        message = "programs.vmsilo.nixosVms.${name}.network.netvm = \"${toString vm.network.netvm}\": "
          + (if hasAttr (toString vm.network.netvm) vms
             then "that VM does not route for others; set programs.vmsilo.nixosVms.${toString vm.network.netvm}.network.isNetvm = true."
             else "no VM has that name; use the name of a VM with network.isNetvm = true, or \"host\".");
      }
      {
        assertion = vm.network.netvm != name;
        message = "programs.vmsilo.nixosVms.${name}.network.netvm: a VM cannot be its own netvm; name another VM or \"host\".";
      }
      {
        assertion = vm.network.netvm == null || !(hasAttr "upstream" vm.network.interfaces);
        message = "programs.vmsilo.nixosVms.${name}.network.interfaces.upstream: the name \"upstream\" is taken by the link that network.netvm creates; rename the interface or remove network.netvm.";
      }
      {
        assertion = vm.rootDisk == null || vm.rootDisk ? path;
        message = "programs.vmsilo.nixosVms.${name}.rootDisk: a root disk needs a `path`.";
      }
    ]
    ++ mapAttrsToList (ifname: i: {
      assertion = i.tap.hostAddress == null || i.tap.bridge == null;
      message = "programs.vmsilo.nixosVms.${name}.network.interfaces.${ifname}: tap.hostAddress and tap.bridge exclude each other; keep one (an address for a routed link, a bridge for a switched one).";
    }) vm.network.interfaces
    ++ concatLists (mapAttrsToList (tag: s: [
      {
        assertion = !(s.posixAcl && (s.translateUid != null || s.translateGid != null));
        message = "programs.vmsilo.nixosVms.${name}.sharedDirectories.${tag}: translateUid/translateGid do not work with POSIX ACLs; set posixAcl = false or drop the translation.";
      }
      {
        assertion = builtins.stringLength tag <= 36;
        message = "programs.vmsilo.nixosVms.${name}.sharedDirectories.${tag}: virtiofs tags are at most 36 characters; use a shorter name.";
      }
    ]) vm.sharedDirectories)
    ++ map (dep: {
      assertion = hasAttr dep vms;
      message = "programs.vmsilo.nixosVms.${name}.dependsOn: no VM is called \"${dep}\"; list names of programs.vmsilo.nixosVms.";
    }) vm.dependsOn
    ++ lib.imap0 (i: d: {
      assertion = d ? path;
      message = "programs.vmsilo.nixosVms.${name}.additionalDisks.${toString i}: a disk needs a `path`.";
    }) vm.additionalDisks
    ++ lib.imap0 (i: d: {
      assertion = d ? path;
      message = "programs.vmsilo.nixosVms.${name}.pciDevices.${toString i}: a PCI device needs a `path` such as \"01:00.0\".";
    }) vm.pciDevices);

    warnings =
      lib.optional (dupCids != [ ])
        "programs.vmsilo: these VMs pin the same vsock CID, so only one of them can run at a time: ${concatStringsSep "; " dupCids}. Give each its own cid or leave cid = null."
      ++ lib.optional (dupColors != [ ])
        "programs.vmsilo: these VMs share a window color, so their windows look alike: ${concatStringsSep "; " dupColors}. Give each VM its own color.";
  };
}
