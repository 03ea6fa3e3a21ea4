# lxfd_backend: containers over liblxc (backend.c is the only file that
# includes <lxc/lxccontainer.h>), LXD config translation and the image store.
add_library(lxfd_backend STATIC
	${CMAKE_CURRENT_LIST_DIR}/backend.c
	${CMAKE_CURRENT_LIST_DIR}/backend_config.c
	${CMAKE_CURRENT_LIST_DIR}/image.c
	${CMAKE_CURRENT_LIST_DIR}/backend_exec.c
	${CMAKE_CURRENT_LIST_DIR}/backend_files.c
	${CMAKE_CURRENT_LIST_DIR}/backend_snapshot.c
	${CMAKE_CURRENT_LIST_DIR}/fsops.c)
target_include_directories(lxfd_backend PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(lxfd_backend PUBLIC lxfcommon PkgConfig::LXC PkgConfig::ARCHIVE
	PkgConfig::OPENSSL Threads::Threads)
