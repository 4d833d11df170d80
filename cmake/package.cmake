# SPDX-License-Identifier: BSD-2-Clause
# The Debian packages, made by CPack's DEB generator from the install() rules' components
# (cmake/install.cmake). CPack rather than debian/ + debhelper: the install() rules stay
# the one list of installed files (no debian/*.install to keep in step), the packages build
# from any build tree with no source-package machinery, and the install test builds them
# the same way ci/package.sh does.
#   hsmlab-modules  the PKCS#11 modules and p11-kit module files
#   hsmlab-tools    the tools and man pages
#   hsmlab-data     profiles, targets, scenarios, ceremonies, signer configs, corpus, docs
#   hsmlab-dev      hsmlab-ext.h and hsmlab-ext.pc
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME hsmlab)
set(CPACK_PACKAGE_VENDOR "hsmlab")
set(CPACK_PACKAGE_CONTACT "hsmlab maintainers <hsmlab@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "PKCS#11 HSM emulator, DNSSEC KSK signer and bench")
# DESTDIR staging into /usr whatever the build's own prefix: install(CODE) then sees the
# real prefix, so the p11-kit module files name /usr/lib/..., not the staging directory.
# The binaries find their files relative to themselves, so the build's prefix does not
# matter to them.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL modules tools data dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON) # library dependencies from dpkg-shlibdeps
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_COMPONENT_MODULES_DEPENDS data)
set(CPACK_COMPONENT_TOOLS_DEPENDS modules data)
set(CPACK_COMPONENT_DEV_DEPENDS modules)
set(CPACK_DEBIAN_DATA_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_DEV_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_MODULES_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libp11-kit-dev")
# The scenario runner and rehearsals date every step with libfaketime; the conformance
# default run compares with SoftHSMv2; pkcs11-tool and p11-kit are how users reach modules.
set(CPACK_DEBIAN_TOOLS_PACKAGE_DEPENDS "libfaketime")
set(CPACK_DEBIAN_TOOLS_PACKAGE_RECOMMENDS "softhsm2, opensc, p11-kit")
set(CPACK_DEBIAN_MODULES_PACKAGE_RECOMMENDS "p11-kit")
set(CPACK_COMPONENT_MODULES_DESCRIPTION "hsmlab PKCS#11 emulator modules (strict, Keyper, Luna)")
set(CPACK_COMPONENT_TOOLS_DESCRIPTION
    "hsmlab tools: hsmlab-admin, hsmlab-bench, hsmlab-rehearse, ksr-signer, ksr-gen, skr-verify")
set(CPACK_COMPONENT_DATA_DESCRIPTION
    "hsmlab data: device profiles, conformance targets, scenarios, ceremonies, corpus")
set(CPACK_COMPONENT_DEV_DESCRIPTION "hsmlab PKCS#11 extension header and pkg-config file")
include(CPack)
