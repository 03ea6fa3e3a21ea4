# lxfd_backend: containers over liblxc (only the backend*.c files include
# <lxc/lxccontainer.h>), LXD config translation and the image store.
add_library(lxfd_backend STATIC
	${CMAKE_CURRENT_LIST_DIR}/backend.c
	${CMAKE_CURRENT_LIST_DIR}/backend_state.c
	${CMAKE_CURRENT_LIST_DIR}/backend_config.c
	${CMAKE_CURRENT_LIST_DIR}/image.c
	${CMAKE_CURRENT_LIST_DIR}/helper.c
	${CMAKE_CURRENT_LIST_DIR}/backend_exec.c
	${CMAKE_CURRENT_LIST_DIR}/backend_files.c
	${CMAKE_CURRENT_LIST_DIR}/backend_snapshot.c
	${CMAKE_CURRENT_LIST_DIR}/backend_modes.c
	${CMAKE_CURRENT_LIST_DIR}/fsops.c)
target_include_directories(lxfd_backend PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(lxfd_backend PUBLIC lxfcommon PkgConfig::LXC PkgConfig::OPENSSL
	Threads::Threads)

# lxfd-image: the libarchive half of the image store (image_tar.c) as a
# short-lived helper that lxfd runs per import/unpack, so that libarchive and
# the libraries it pulls in are never mapped into the daemon (issue #3, idle
# RSS). Installed to libexec/lxf; in the build tree it sits next to lxfd.
add_executable(lxfd-image ${CMAKE_CURRENT_LIST_DIR}/image_helper.c
	${CMAKE_CURRENT_LIST_DIR}/image_tar.c ${CMAKE_CURRENT_LIST_DIR}/image_check.c
	${CMAKE_CURRENT_LIST_DIR}/helper.c)
target_include_directories(lxfd-image PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(lxfd-image PRIVATE lxfcommon PkgConfig::ARCHIVE)
install(TARGETS lxfd-image DESTINATION libexec/lxf)

# lxfd-attach: runs one exec'd command through liblxc's attach, which
# forks its caller; lxfd spawns it rather than fork itself (attach_helper.c).
add_executable(lxfd-attach ${CMAKE_CURRENT_LIST_DIR}/attach_helper.c)
target_include_directories(lxfd-attach PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../common)
target_link_libraries(lxfd-attach PRIVATE PkgConfig::LXC)
install(TARGETS lxfd-attach DESTINATION libexec/lxf)
