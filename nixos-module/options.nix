# Option declarations for programs.vmsilo. README.md ("NixOS configuration")
# and docs/nixos.md document them; vm-config.nix maps them onto .vm keys.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption mkEnableOption types literalExpression;

  logLevel = types.enum [ "error" "warn" "info" "debug" "trace" ];
  seccompPolicy = types.enum [ "enforcing" "log" ];
  scalar = types.oneOf [ types.str types.int types.bool types.path ];

  opt = type: default: description: mkOption { inherit type default description; };

  routeType = types.submodule {
    options.via = opt types.str null "Gateway address of the route.";
  };

  interfaceType = types.submodule {
    options = {
      type = opt (types.enum [ "tap" ]) "tap" "Interface kind; only host TAP interfaces exist.";
      macAddress = opt (types.nullOr types.str) null
        "Guest MAC address. Derived from a hash of `<vm>-<interface>` when null.";
      mtu = opt (types.nullOr (types.ints.between 68 65535)) null
        "MTU of the host TAP; the kernel default when null.";
      tap = {
        name = opt (types.nullOr types.str) null
          "Host TAP name; `<vm>-<index>` (VM name cut to 12 characters) when null.";
        hostAddress = opt (types.nullOr types.str) null
          "Address with prefix for the host end of the TAP, e.g. \"10.0.0.254/24\". Excludes `tap.bridge`.";
        bridge = opt (types.nullOr types.str) null
          "Host bridge the TAP joins. Excludes `tap.hostAddress`.";
      };
      dhcp = opt types.bool false "Configure the interface by DHCP in the guest.";
      addresses = opt (types.listOf types.str) [ ] "Static guest IPv4 addresses with prefix.";
      routes = opt (types.attrsOf routeType) { }
        "Guest IPv4 routes: destination -> { via = gateway; }.";
      v6Addresses = opt (types.listOf types.str) [ ] "Static guest IPv6 addresses with prefix.";
      v6Routes = opt (types.attrsOf routeType) { } "Guest IPv6 routes, as `routes`.";
    };
  };

  shareType = types.submodule {
    options = {
      path = mkOption { type = types.str; description = "Host directory to share."; };
      mountPath = opt (types.nullOr types.str) null
        "Mount the share at this guest path at boot; not mounted when null.";
      readonly = opt types.bool false "Share read-only.";
      threadPoolSize = opt (types.ints.between 0 1024) 0 "virtiofsd worker threads.";
      xattr = opt types.bool true "Extended attributes.";
      posixAcl = opt types.bool true "POSIX ACLs (incompatible with translateUid/translateGid).";
      inodeFileHandles = opt (types.enum [ "never" "prefer" "mandatory" ]) "prefer"
        "virtiofsd inode file handle mode.";
      cache = opt (types.enum [ "auto" "always" "never" "metadata" ]) "auto" "virtiofsd cache policy.";
      allowMmap = opt types.bool false "Allow shared memory mappings.";
      enableReaddirplus = opt types.bool true "Use readdirplus.";
      writeback = opt types.bool false "Writeback caching.";
      allowDirectIo = opt types.bool false "Honour O_DIRECT.";
      logLevel = opt (types.enum [ "error" "warn" "info" "debug" "trace" "off" ]) "info"
        "virtiofsd log level.";
      killprivV2 = opt types.bool true "FUSE_HANDLE_KILLPRIV_V2.";
      uidMap = opt (types.nullOr types.str) null "User-namespace UID map, `:ns:host:count:`.";
      gidMap = opt (types.nullOr types.str) null "User-namespace GID map, `:ns:host:count:`.";
      translateUid = opt (types.nullOr types.str) null
        "UID translation, `type:source:target:count` (needs posixAcl = false).";
      translateGid = opt (types.nullOr types.str) null
        "GID translation, `type:source:target:count` (needs posixAcl = false).";
      preserveNoatime = opt types.bool false "Keep O_NOATIME on opened files.";
    };
  };

  usbType = types.submodule {
    options = {
      vendorId = mkOption { type = types.strMatching "[0-9a-fA-F]{4}"; description = "USB vendor id (4 hex digits)."; };
      productId = mkOption { type = types.strMatching "[0-9a-fA-F]{4}"; description = "USB product id (4 hex digits)."; };
      serial = opt (types.nullOr types.str) null "Only the device with this serial number.";
    };
  };

  vmType = types.submodule ({ name, ... }: {
    options = {
      memory = opt (types.ints.between 64 4194304) 1024 "Guest memory in MiB.";
      cpus = opt (types.ints.between 1 255) 2 "Virtual CPUs.";
      cid = opt (types.nullOr (types.ints.between 3 4294967294)) null
        "Pin the vsock CID; the generator allocates a stable one when null.";
      color = opt types.str "darkred"
        "Window frame color: a CSS color name, `#rgb`, `#rrggbb` or `rgb(r,g,b)`.";
      hypervisor = opt (types.enum [ "cloud-hypervisor" "crosvm" ]) "cloud-hypervisor" "The VMM.";

      network = {
        nameservers = opt (types.listOf types.str) [ ] "DNS servers for the guest.";
        interfaces = opt (types.attrsOf interfaceType) { }
          "Guest network interfaces; the attribute name is the guest's interface name.";
        netvm = opt (types.nullOr types.str) null
          "Route this VM through the named VM (which needs `network.isNetvm`) or through \"host\".";
        isNetvm = opt types.bool false "This VM routes and masquerades for its clients.";
        netvmSubnet = opt (types.nullOr types.str) null
          "Pin the /31 of the netvm link (client gets the even address); allocated when null.";
      };

      tray.enable = opt types.bool false "Older spelling of `dbus.tray`; either turns tray forwarding on.";
      autoShutdown = {
        enable = opt types.bool false "Power off when no user program has run for `after` seconds.";
        after = opt (types.ints.between 1 604800) 60 "Idle seconds before auto shutdown.";
      };
      autoStart = opt types.bool false "Start at boot (VMs with a GPU: at login).";
      dependsOn = opt (types.listOf types.str) [ ] "VMs started together with this one.";
      dbus = {
        notifications = opt types.bool true "Forward guest desktop notifications to the host.";
        tray = opt types.bool false "Forward guest tray items to the host tray.";
        logLevel = opt logLevel "info" "Log level of both D-Bus proxy roles.";
      };

      additionalDisks = opt (types.listOf (types.attrsOf scalar)) [ ]
        "Extra disks: attribute sets with a required `path`; `ro`, `direct` and `id` are understood, other attributes go to the VMM's disk argument as key=value.";
      rootDisk = opt (types.nullOr (types.attrsOf scalar)) null
        "Custom root disk (attribute set with `path`); the built image when null.";
      kernel = opt (types.nullOr types.path) null "Custom kernel image; the built one when null.";
      initramfs = opt (types.nullOr types.path) null "Custom initramfs; the built one when null.";
      rootDiskReadonly = opt types.bool true "Attach the root disk read-only (writes go to the overlay).";
      sharedHome = opt (types.either types.bool types.str) true
        "Host directory shared as the guest's /home/user: true for /shared/<vm>/home, a string for another path, false for none.";
      copyChannel = opt types.bool false "Put the NixOS channel of the guest's nixpkgs in the image.";
      kernelParams = opt (types.listOf types.str) [ ] "Extra guest kernel command line parameters.";

      gpu = {
        wayland = opt types.bool true "Cross-domain Wayland forwarding (the GPU is on when any capability is).";
        opengl = opt types.bool false "virgl capability set.";
        vulkan = opt types.bool false "venus capability set.";
        backend = opt (types.enum [ "vhost-device-gpu" "crosvm" ]) "vhost-device-gpu" "GPU device process.";
        allowWX = opt (types.nullOr types.bool) null "Per-VM override of programs.vmsilo.gpu.allowWX.";
        logLevel = opt logLevel "info" "GPU process log level.";
        seccompPolicy = opt seccompPolicy "enforcing" "GPU process seccomp mode.";
        disableSandbox = opt types.bool false "Drop the GPU process's non-seccomp sandboxing (debugging).";
      };

      sound = {
        playback = opt types.bool true "Sound output.";
        capture = opt types.bool false "Sound input (microphone).";
        logLevel = opt logLevel "info" "Sound device log level.";
        seccompPolicy = opt seccompPolicy "enforcing" "Sound device seccomp mode.";
      };

      sharedDirectories = opt (types.attrsOf shareType) { }
        "Host directories shared over virtiofs; the attribute name is the tag.";
      virtiofs = {
        seccompPolicy = opt seccompPolicy "enforcing" "Seccomp mode of this VM's virtiofsd processes.";
        disableSandbox = opt types.bool false "Drop virtiofsd's non-seccomp sandboxing (debugging).";
      };

      pciDevices = opt (types.listOf (types.attrsOf scalar)) [ ]
        "PCI devices passed through: attribute sets with `path` (e.g. \"01:00.0\") and optional key=value pairs.";
      usbDevices = opt (types.listOf usbType) [ ] "Host USB devices attached at each start of the VM (absent ones are skipped); vm-usb attaches others at run time. See docs/usb.md.";
      guestPrograms = opt (types.listOf types.package) [ ] "Packages installed in the guest; their desktop entries appear in the host menu.";
      guestConfig = mkOption {
        type = types.coercedTo (types.listOf types.deferredModule) (ms: { imports = ms; }) types.deferredModule;
        default = [ ];
        description = "NixOS module (or list of modules) added to the guest's configuration.";
      };
      vhostUser = opt (types.listOf (types.attrsOf scalar)) [ ]
        "Manual vhost-user devices, each as key=value pairs (e.g. type and socket).";

      crosvm = {
        logLevel = opt logLevel "info" "crosvm log level.";
        extraArgs = opt (types.listOf types.str) [ ] "Arguments before crosvm's `run`.";
        extraRunArgs = opt (types.listOf types.str) [ ] "Arguments after crosvm's `run`.";
      };
      cloud-hypervisor = {
        logLevel = opt logLevel "info" "cloud-hypervisor log level.";
        hugepages = opt types.bool false "Back guest memory with hugetlbfs (needs vm.nr_hugepages).";
        seccompPolicy = opt seccompPolicy "enforcing" "cloud-hypervisor seccomp mode.";
        disableSandbox = opt types.bool false "Drop Landlock and systemd hardening of the VMM (debugging).";
        extraArgs = opt (types.listOf types.str) [ ] "Extra cloud-hypervisor arguments.";
        extraConfig = opt (types.attrsOf types.anything) { }
          "Merged into the JSON VM configuration given to cloud-hypervisor.";
      };
      rootOverlay = {
        type = opt (types.enum [ "raw" "tmpfs" ]) "raw" "Writable layer over the root: scratch disk or guest RAM.";
        size = opt (types.strMatching "[0-9]+[KMGT]?") "10G" "Size of the raw scratch disk.";
      };
    };
  });
in
{
  options.programs.vmsilo = {
    enable = mkEnableOption "vmsilo VM isolation";
    package = mkOption {
      type = types.package;
      description = "The vmsilo package (C programs, generator, guest units).";
      defaultText = literalExpression "pkgs.callPackage <vmsilo/package.nix> { }";
      default = pkgs.callPackage ../package.nix { };
    };
    user = mkOption {
      type = types.str;
      description = "Desktop user who runs VM programs and owns TAP interfaces and shared homes; needs an explicit uid.";
    };
    nixosVms = opt (types.attrsOf vmType) { } "The VMs, by name.";
    enableBashIntegration = opt types.bool true "Bash completion for the vm-* commands.";
    gpu.allowWX = opt types.bool false "Allow writable+executable memory in GPU processes (some NVIDIA drivers need it).";
    schedulerIsolation = opt (types.enum [ "full" "vm" "off" ]) "vm"
      "Core scheduling for vCPU threads: \"full\" shares a core with nothing else, \"vm\" only with the same VM's vCPUs, \"off\" no restriction.";
    netvmRange = opt types.str "10.200.0.0/16" "Pool from which netvm links get their /31.";
    isolatedPciDevices = opt (types.listOf types.str) [ ] "PCI devices bound to vfio-pci at boot for passthrough.";
    vmsilo-balloond = {
      logLevel = opt logLevel "info" "vmsilo-balloond log level.";
      pollInterval = opt types.str "2s" "Longest interval between policy evaluations (no memory pressure).";
      minPollInterval = opt types.str "250ms" "Shortest interval, under memory pressure.";
      psiCeiling = opt (types.ints.between 1 100) 25 "PSI avg10 percentage at which the shortest interval applies.";
      criticalHostPercent = opt (types.ints.between 0 100) 5 "Host free memory (% of RAM) considered critical.";
      criticalGuestAvailable = opt types.str "256m" "Guest available memory never reclaimed below.";
      guestAvailableBias = opt types.str "400m" "Cushion above the floor, scaled by balloon fullness.";
      extraArgs = opt (types.listOf types.str) [ ] "Extra vmsilo-balloond arguments.";
    };
    rootfsBuilder = mkOption {
      type = types.functionTo (types.attrsOf types.anything);
      internal = true;
      description = ''
        Builds a VM's guest image: called with { name, guestPrograms, guestConfig,
        copyChannel, rootOverlay } and returns { kernel, vmlinux, initrd, rootfs,
        toplevel, kernelParams }.
      '';
      defaultText = literalExpression "makeRootfsNixos";
      default = import ../rootfs/make-rootfs-nixos.nix {
        inherit pkgs lib;
        vmsiloPackage = config.programs.vmsilo.package;
      };
    };
  };
}
