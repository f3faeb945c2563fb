# Writes /etc/vmsilo/<vm>.vm for every programs.vmsilo.nixosVms.<vm>, in the
# format of docs/vm-config.md. Every key is written explicitly, so the file
# alone says how the VM runs; docs/nixos.md lists the mapping.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkIf concatStrings concatStringsSep mapAttrs' nameValuePair
    mapAttrsToList optional optionals imap0 filterAttrs hasInfix isBool isList;
  cfg = config.programs.vmsilo;

  # Values are single INI lines: refuse what would break the line structure.
  value = where: v:
    let s = if isBool v then (if v then "yes" else "no") else toString v;
    in if hasInfix "\n" s || lib.hasSuffix "\\" s
    then throw "programs.vmsilo.${where}: value `${s}` has a newline or ends in a backslash, which a .vm file cannot hold"
    else s;

  # key = null drops the line; a list repeats the key.
  kv = where: key: v:
    if v == null then [ ]
    else if isList v then map (x: "${key}=${value "${where} ${key}" x}") v
    else [ "${key}=${value "${where} ${key}" v}" ];

  section = header: lines:
    if lines == [ ] then "" else "\n[${header}]\n" + concatStrings (map (l: l + "\n") lines);

  # key=value pairs handed to a VMM as is: booleans in its true/false spelling.
  vmmValue = where: v: value where (if isBool v then (if v then "true" else "false") else v);
  pairList = attrs: mapAttrsToList (k: v: "${k}=${vmmValue k v}") attrs;
  pairs = attrs: concatStringsSep "," (pairList attrs);

  sharedHomePath = name: vm:
    if vm.sharedHome == true then "/shared/${name}/home"
    else if vm.sharedHome == false then null
    else vm.sharedHome;

  render = name: vm:
    let
      w = "nixosVms.${name}";
      rootfs = cfg.rootfsBuilder {
        inherit name;
        inherit (vm) guestPrograms guestConfig copyChannel;
        rootOverlay = vm.rootOverlay.type;
      };
      isCH = vm.hypervisor == "cloud-hypervisor";
      hv = if isCH then vm.cloud-hypervisor else vm.crosvm;
      net = vm.network;
      hasNetwork = net.netvm != null || net.isNetvm || net.nameservers != [ ];
      routes = rs: mapAttrsToList (dest: r: "${dest} via ${r.via}") rs;
      extraConfig = pkgs.writeText "vmsilo-${name}-ch-extra.json" (builtins.toJSON vm.cloud-hypervisor.extraConfig);

      vmSection = section "VM" (concatLists [
        # cloud-hypervisor boots the uncompressed ELF kernel (PVH entry);
        # crosvm takes the bzImage
        (kv w "Kernel" (if vm.kernel != null then vm.kernel
          else if isCH then rootfs.vmlinux or rootfs.kernel else rootfs.kernel))
        (kv w "Initramfs" (if vm.initramfs != null then vm.initramfs
          else if vm.kernel != null then null else rootfs.initrd))
        (kv w "RootDisk" (if vm.rootDisk != null then vm.rootDisk.path else rootfs.rootfs))
        (kv w "RootDiskReadOnly" vm.rootDiskReadonly)
        (kv w "Memory" vm.memory)
        (kv w "CPUs" vm.cpus)
        (kv w "CID" vm.cid)
        (kv w "Color" vm.color)
        (kv w "Hypervisor" vm.hypervisor)
        (kv w "User" cfg.user)
        # the built image's stage 1 finds the system to boot through init=,
        # and there is no boot loader to add the system's own parameters
        (kv w "KernelParam" ((lib.optionals (vm.rootDisk == null)
          ([ "init=${rootfs.toplevel}/init" ] ++ rootfs.kernelParams or [ ]))
          ++ vm.kernelParams))
        (kv w "AutoStart" vm.autoStart)
        (kv w "AutoShutdown" vm.autoShutdown.enable)
        (kv w "AutoShutdownAfter" vm.autoShutdown.after)
        (kv w "DependsOn" vm.dependsOn)
        (kv w "LogLevel" hv.logLevel)
        (kv w "SeccompPolicy" vm.cloud-hypervisor.seccompPolicy)
        (kv w "DisableSandbox" vm.cloud-hypervisor.disableSandbox)
        (kv w "Hugepages" vm.cloud-hypervisor.hugepages)
        (kv w "ExtraArg" hv.extraArgs)
        (kv w "ExtraRunArg" (if isCH then [ ] else vm.crosvm.extraRunArgs))
        (kv w "ExtraConfig" (if isCH && vm.cloud-hypervisor.extraConfig != { } then extraConfig else null))
        (kv w "SharedHome" (sharedHomePath name vm))
        (kv w "SchedulerIsolation" cfg.schedulerIsolation)
      ]);

      overlaySection = section "RootOverlay" (kv w "Type" vm.rootOverlay.type
        ++ kv w "Size" vm.rootOverlay.size);

      networkSection = section "Network" (optionals hasNetwork (concatLists [
        (kv w "Netvm" net.netvm)
        (kv w "IsNetvm" net.isNetvm)
        (kv w "NetvmSubnet" net.netvmSubnet)
        (kv w "NetvmRange" (if net.netvm != null || net.isNetvm then cfg.netvmRange else null))
        (kv w "Nameserver" net.nameservers)
      ]));

      interfaceSections = concatStrings (mapAttrsToList (ifname: i:
        let iw = "${w}.network.interfaces.${ifname}"; in
        section "Interface ${ifname}" (concatLists [
          (kv iw "TapName" i.tap.name)
          (kv iw "MACAddress" i.macAddress)
          (kv iw "HostAddress" i.tap.hostAddress)
          (kv iw "Bridge" i.tap.bridge)
          (kv iw "MTU" i.mtu)
          (kv iw "DHCP" i.dhcp)
          (kv iw "Address" i.addresses)
          (kv iw "Route" (routes i.routes))
          (kv iw "Address6" i.v6Addresses)
          (kv iw "Route6" (routes i.v6Routes))
        ])) net.interfaces);

      shareFor = tag: s:
        let sw = "${w}.sharedDirectories.${tag}"; in
        section "Share ${tag}" (concatLists [
          (kv sw "Path" s.path)
          (kv sw "MountPath" s.mountPath)
          (kv sw "ReadOnly" s.readonly)
          (kv sw "Xattr" s.xattr)
          (kv sw "PosixACL" s.posixAcl)
          (kv sw "Cache" s.cache)
          (kv sw "InodeFileHandles" s.inodeFileHandles)
          (kv sw "AllowMmap" s.allowMmap)
          (kv sw "Readdirplus" s.enableReaddirplus)
          (kv sw "Writeback" s.writeback)
          (kv sw "AllowDirectIO" s.allowDirectIo)
          (kv sw "KillprivV2" s.killprivV2)
          (kv sw "PreserveNoatime" s.preserveNoatime)
          (kv sw "ThreadPoolSize" s.threadPoolSize)
          (kv sw "LogLevel" s.logLevel)
          (kv sw "UIDMap" s.uidMap)
          (kv sw "GIDMap" s.gidMap)
          (kv sw "TranslateUID" s.translateUid)
          (kv sw "TranslateGID" s.translateGid)
        ]);
      shareSections = concatStrings (mapAttrsToList shareFor vm.sharedDirectories)
        + section "Virtiofs" (optionals (vm.sharedDirectories != { } || sharedHomePath name vm != null)
          (kv w "SeccompPolicy" vm.virtiofs.seccompPolicy ++ kv w "DisableSandbox" vm.virtiofs.disableSandbox));

      diskFor = i: d:
        let
          dname = d.id or "disk${toString i}";
          rest = removeAttrs d [ "path" "ro" "direct" "id" ];
          dw = "${w}.additionalDisks.${toString i}";
        in
        section "Disk ${dname}" (concatLists [
          (kv dw "Path" (d.path or null))
          (kv dw "ReadOnly" (d.ro or null))
          (kv dw "Direct" (d.direct or null))
          (kv dw "Option" (pairList rest))
        ]);
      diskSections = concatStrings (imap0 diskFor vm.additionalDisks);

      gpuSection = section "GPU" (concatLists [
        (kv w "Wayland" vm.gpu.wayland)
        (kv w "OpenGL" vm.gpu.opengl)
        (kv w "Vulkan" vm.gpu.vulkan)
        (kv w "Backend" vm.gpu.backend)
        (kv w "AllowWX" (if vm.gpu.allowWX != null then vm.gpu.allowWX else cfg.gpu.allowWX))
        (kv w "LogLevel" vm.gpu.logLevel)
        (kv w "SeccompPolicy" vm.gpu.seccompPolicy)
        (kv w "DisableSandbox" vm.gpu.disableSandbox)
      ]);

      soundSection = section "Sound" (concatLists [
        (kv w "Playback" vm.sound.playback)
        (kv w "Capture" vm.sound.capture)
        (kv w "LogLevel" vm.sound.logLevel)
        (kv w "SeccompPolicy" vm.sound.seccompPolicy)
      ]);

      dbusSection = section "DBus" (concatLists [
        (kv w "Notifications" vm.dbus.notifications)
        (kv w "Tray" (vm.dbus.tray || vm.tray.enable))
        (kv w "LogLevel" vm.dbus.logLevel)
      ]);

      pciEntry = d: concatStringsSep "," ([ (d.path or "") ]
        ++ pairList (removeAttrs d [ "path" ]));
      usbEntry = u: concatStringsSep ":" ([ u.vendorId u.productId ] ++ optional (u.serial != null) u.serial);
      devicesSection = section "Devices" (concatLists [
        (kv w "PCI" (map pciEntry vm.pciDevices))
        (kv w "USB" (map usbEntry vm.usbDevices))
        (kv w "VhostUser" (map pairs vm.vhostUser))
      ]);
    in
    "# ${name}: generated by the vmsilo NixOS module from programs.vmsilo.nixosVms.${name}.\n"
    + "# Change configuration.nix instead of this file.\n"
    + vmSection + overlaySection + networkSection + interfaceSections + shareSections
    + diskSections + gpuSection + soundSection + dbusSection + devicesSection;

  concatLists = lib.concatLists;
in
{
  config = mkIf cfg.enable {
    environment.etc = mapAttrs' (name: vm:
      nameValuePair "vmsilo/${name}.vm" { text = render name vm; mode = "0644"; }) cfg.nixosVms;
  };
}
