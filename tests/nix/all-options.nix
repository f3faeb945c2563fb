# One VM that sets every per-VM option away from its default, so the golden
# file tests/data/nix-all-options/full.vm pins the whole option -> key mapping.
{ pkgs, ... }:
{
  users.users.bob.uid = 1001;
  programs.vmsilo = {
    enable = true;
    user = "bob";
    gpu.allowWX = true;
    schedulerIsolation = "full";
    netvmRange = "10.99.0.0/16";
    nixosVms.router.network.isNetvm = true;
    nixosVms.router.color = "orange";
    nixosVms.router.rootOverlay.type = "tmpfs";
    nixosVms.router.cloud-hypervisor = {
      logLevel = "warn";
      hugepages = true;
      seccompPolicy = "log";
      disableSandbox = true;
      extraArgs = [ "--pvpanic" ];
      extraConfig.iommu = true;
    };
    nixosVms.full = {
      memory = 2048;
      cpus = 3;
      cid = 42;
      color = "rgb(10,20,30)";
      hypervisor = "crosvm";
      network = {
        netvm = "router";
        netvmSubnet = "10.99.5.2/31";
        nameservers = [ "1.1.1.1" "9.9.9.9" ];
        interfaces.lan = {
          macAddress = "02:11:22:33:44:55";
          mtu = 1400;
          tap = { name = "full-lan"; hostAddress = "10.0.0.254/24"; };
          addresses = [ "10.0.0.1/24" ];
          routes."10.1.0.0/16".via = "10.0.0.254";
          v6Addresses = [ "fd00::1/64" ];
          v6Routes."fd01::/64".via = "fd00::fe";
        };
        interfaces.switched = { tap.bridge = "br0"; dhcp = true; };
      };
      tray.enable = true;
      autoShutdown = { enable = true; after = 300; };
      autoStart = true;
      dependsOn = [ "router" ];
      dbus = { notifications = false; tray = false; logLevel = "debug"; };
      additionalDisks = [
        { path = "/var/lib/data.qcow2"; ro = true; direct = true; id = "data"; sparse = true; block-size = 4096; }
        { path = "/var/lib/scratch.img"; }
      ];
      rootDisk = { path = "/var/lib/vmsilo/full-root.erofs"; };
      kernel = "/boot/vmlinux";
      initramfs = "/boot/initrd";
      rootDiskReadonly = false;
      sharedHome = "/home/bob/vm-full";
      kernelParams = [ "quiet" "loglevel=3" ];
      gpu = {
        wayland = true; opengl = true; vulkan = true; backend = "crosvm"; allowWX = false;
        logLevel = "warn"; seccompPolicy = "log"; disableSandbox = true;
      };
      sound = { playback = false; capture = true; logLevel = "trace"; seccompPolicy = "log"; };
      sharedDirectories.work = {
        path = "/srv/work";
        mountPath = "/mnt/work";
        readonly = true;
        threadPoolSize = 4;
        xattr = false;
        posixAcl = false;
        inodeFileHandles = "never";
        cache = "always";
        allowMmap = true;
        enableReaddirplus = false;
        writeback = true;
        allowDirectIo = true;
        logLevel = "off";
        killprivV2 = false;
        uidMap = ":1000:1001:1:";
        gidMap = ":100:100:1:";
        translateUid = "squash-guest:0:1001:4294967295";
        translateGid = "squash-guest:0:100:4294967295";
        preserveNoatime = true;
      };
      virtiofs = { seccompPolicy = "log"; disableSandbox = true; };
      pciDevices = [ { path = "01:00.0"; } { path = "02:00.0"; iommu = "viommu"; } ];
      usbDevices = [
        { vendorId = "17ef"; productId = "60e0"; }
        { vendorId = "046d"; productId = "c52b"; serial = "A0201"; }
      ];
      vhostUser = [ { type = "net"; socket = "/run/vhost/net.sock"; } ];
      crosvm = { logLevel = "debug"; extraArgs = [ "--syslog-tag=full" ]; extraRunArgs = [ "--no-balloon" ]; };
      rootOverlay = { type = "raw"; size = "20G"; };
    };
  };
}
