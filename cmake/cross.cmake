# CMake toolchain file for the cross builds of scripts/cross.sh, which
# passes (-D):
#   SMSGATE_CROSS_CC         the C compiler (mipsel-linux-gnu-gcc, ..., or
#                            the 24KEc driver of scripts/cross-toolchain.sh)
#   SMSGATE_CROSS_BINUTILS   binutils' prefix (mipsel-linux-gnu)
#   SMSGATE_CROSS_PKGCONFIG  where the target's .pc files are (':'-separated)
#   SMSGATE_CROSS_PKGROOT    the root pkg-config puts before their paths, if any
#   SMSGATE_CROSS_CFLAGS, SMSGATE_CROSS_LDFLAGS   extra flags for the target
#   SMSGATE_CROSS_EMULATOR   how this machine runs a target program
#                            (qemu-user and its options, a ;-list); ctest
#                            runs the unit tests and the cross integration
#                            tests through it
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR mips)
set(CMAKE_C_COMPILER ${SMSGATE_CROSS_CC})
set(CMAKE_AR /usr/bin/${SMSGATE_CROSS_BINUTILS}-ar CACHE FILEPATH "")
set(CMAKE_RANLIB /usr/bin/${SMSGATE_CROSS_BINUTILS}-ranlib CACHE FILEPATH "")
set(CMAKE_STRIP /usr/bin/${SMSGATE_CROSS_BINUTILS}-strip CACHE FILEPATH "")
set(CMAKE_C_FLAGS_INIT "${SMSGATE_CROSS_CFLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${SMSGATE_CROSS_LDFLAGS}")
set(CMAKE_CROSSCOMPILING_EMULATOR ${SMSGATE_CROSS_EMULATOR})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
# pkg_check_modules reads these. The toolchain file is read again at every
# configure and inside try_compile (which gets only the variables listed
# below), so they hold for reconfigures and are never cleared.
if(SMSGATE_CROSS_PKGCONFIG)
  set(ENV{PKG_CONFIG_LIBDIR} "${SMSGATE_CROSS_PKGCONFIG}")
  set(ENV{PKG_CONFIG_PATH} "")
  set(ENV{PKG_CONFIG_SYSROOT_DIR} "${SMSGATE_CROSS_PKGROOT}")
endif()
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES SMSGATE_CROSS_CC SMSGATE_CROSS_BINUTILS
     SMSGATE_CROSS_CFLAGS SMSGATE_CROSS_LDFLAGS SMSGATE_CROSS_PKGCONFIG SMSGATE_CROSS_PKGROOT
     SMSGATE_CROSS_EMULATOR)
