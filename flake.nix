{
  description = "vmsilo: Qubes-style desktop isolation with lightweight VMs";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAll = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
      # One app per harness: every fuzz/fuzz-<name>.c, fuzzed from fuzz/corpus/<name>.
      fuzzers = map (f: nixpkgs.lib.removeSuffix ".c" f)
        (builtins.filter (f: builtins.match "fuzz-.*[.]c" f != null)
          (builtins.attrNames (builtins.readDir ./fuzz)));
    in
    {
      packages = forAll (pkgs: { default = pkgs.callPackage ./package.nix { }; });

      nixosModules.default = { pkgs, lib, ... }: {
        imports = [ ./nixos-module ];
        programs.vmsilo.package = lib.mkDefault self.packages.${pkgs.stdenv.hostPlatform.system}.default;
      };

      lib.makeRootfsNixos = { pkgs, ... }@args:
        import ./rootfs/make-rootfs-nixos.nix {
          inherit pkgs;
          inherit (nixpkgs) lib;
          vmsiloPackage = self.packages.${pkgs.stdenv.hostPlatform.system}.default;
        } (removeAttrs args [ "pkgs" ]);

      checks = forAll (pkgs: {
        build = self.packages.${pkgs.stdenv.hostPlatform.system}.default;
        # The unit tests and the module evaluation tests run without root.
        tests = self.packages.${pkgs.stdenv.hostPlatform.system}.default.overrideAttrs (old: {
          nativeBuildInputs = old.nativeBuildInputs ++ [ pkgs.nix pkgs.python3 pkgs.socat ];
          doCheck = true;
          VMSILO_NIXPKGS_LIB = "${nixpkgs}/lib";
          checkPhase = ''
            export NIX_STATE_DIR=$TMPDIR/nix
            meson test --print-errorlogs --suite unit
            meson test --print-errorlogs integration-nix-parse integration-nix-module integration-vm-golden
          '';
        });
      });

      devShells = forAll (pkgs: {
        default = pkgs.mkShell {
          inputsFrom = [ self.packages.${pkgs.stdenv.hostPlatform.system}.default ];
          packages = [ pkgs.gdb pkgs.socat pkgs.python3 ];
          VMSILO_NIXPKGS_LIB = "${nixpkgs}/lib";
        };
        fuzz = pkgs.mkShell {
          inputsFrom = [ self.packages.${pkgs.stdenv.hostPlatform.system}.default ];
          packages = [ pkgs.clang pkgs.llvmPackages.compiler-rt pkgs.aflplusplus ];
          shellHook = "export CC=clang";
        };
      });

      # nix run .#fuzz-frame [-- libFuzzer options]: builds the harnesses with
      # clang and fuzzes one from its seed corpus.
      apps = forAll (pkgs:
        nixpkgs.lib.genAttrs fuzzers (name: {
          type = "app";
          program = toString (pkgs.writeShellScript "vmsilo-${name}" ''
            set -eu
            export PATH=${nixpkgs.lib.makeBinPath [ pkgs.clang pkgs.meson pkgs.ninja pkgs.pkg-config ]}:$PATH
            src=''${VMSILO_SOURCE:-$PWD}
            dir=''${VMSILO_FUZZ_BUILD:-$src/build-fuzz}
            [ -f "$dir/build.ninja" ] || CC=clang meson setup "$dir" "$src" -Dfuzzing=true \
              -Db_sanitize=address,undefined -Db_lundef=false
            meson compile -C "$dir" ${name}
            corpus=$src/fuzz/corpus/''${name#fuzz-}
            exec "$dir/fuzz/${name}" "$corpus" "$@"
          '');
        }));
    };
}
