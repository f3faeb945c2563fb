# The meson build of vmsilo's programs, generator and units.
{ lib, stdenv, meson, ninja, pkg-config, systemd, cmocka, wayland, dbus, json_c, libnl
, libnftnl, libmnl, libseccomp }:
stdenv.mkDerivation {
  pname = "vmsilo";
  version = "0.1.0";
  src = lib.fileset.toSource {
    root = ./.;
    fileset = lib.fileset.unions [
      ./meson.build ./meson_options.txt ./tools ./tests ./fuzz ./bench ./rootfs ./units
      ./completions ./docs
    ];
  };
  nativeBuildInputs = [ meson ninja pkg-config ];
  buildInputs = [ systemd cmocka wayland dbus json_c libnl libnftnl libmnl libseccomp ];
  # The integration tests need root, namespaces and nspawn; CI runs them.
  doCheck = false;
  meta = {
    description = "Qubes-style desktop isolation with lightweight VMs";
    license = lib.licenses.mit;
    platforms = lib.platforms.linux;
  };
}
