# Three VMs: a banking VM routed through a network VM, the network VM itself
# (NAT through the host) and an offline vault. README.md shows this file.
{ pkgs, ... }:
{
  # vmsilo needs the desktop user's uid to be fixed.
  users.users.alice.uid = 1000;

  programs.vmsilo = {
    enable = true;
    user = "alice";

    nixosVms = {
      banking = {
        color = "darkgreen";
        memory = 4096;
        cpus = 4;
        autoShutdown = { enable = true; after = 120; };
        network.netvm = "netvm";
        guestPrograms = with pkgs; [ firefox konsole ];
        sharedDirectories.downloads = {
          path = "/shared/banking/downloads";
          mountPath = "/home/user/Downloads";
        };
      };

      netvm = {
        color = "darkred";
        memory = 1024;
        cpus = 2;
        network = {
          isNetvm = true;
          netvm = "host";
          nameservers = [ "9.9.9.9" ];
        };
        gpu.wayland = false;
        sound.playback = false;
        sharedHome = false;
      };

      vault = {
        color = "#2e86c1";
        memory = 4096;
        cpus = 4;
        rootOverlay.type = "tmpfs";
        guestPrograms = with pkgs; [ libreoffice ];
      };
    };
  };
}
