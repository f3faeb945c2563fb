{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    # point this at a vmsilo checkout or its published flake
    vmsilo.url = "path:/path/to/vmsilo";
    vmsilo.inputs.nixpkgs.follows = "nixpkgs";
  };

  outputs = { nixpkgs, vmsilo, ... }: {
    nixosConfigurations.desktop = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [
        vmsilo.nixosModules.default
        ./configuration.nix
        ./hardware-configuration.nix
      ];
    };
  };
}
