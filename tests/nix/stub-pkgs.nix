# A stand-in for nixpkgs: packages are attribute sets that look like
# derivations (name, outPath), enough for option types and string contexts.
let
  drv = name: {
    type = "derivation";
    inherit name;
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
    drvPath = "/nix/store/00000000000000000000000000000000-${name}.drv";
  };
  pkgs = {
    path = throw "stub pkgs: no nixpkgs here";
    bash = drv "bash";
    firefox = drv "firefox";
    konsole = drv "konsole";
    libreoffice = drv "libreoffice";
    wayland-proxy-virtwl = drv "wayland-proxy-virtwl";
    writeText = name: _text: drv name;
    runCommand = name: _env: _script: drv name;
    callPackage = _fn: _args: drv "vmsilo";
  };
in
pkgs
