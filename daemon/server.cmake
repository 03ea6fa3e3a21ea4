# lxfd: HTTP/REST over libwebsockets, router, SQLite state, operations.
# lxfd_server holds everything but main() so that unit tests can link it.
# The migration messages (LXD's protocol) are generated from migrate.proto.
pkg_check_modules(PROTOBUFC REQUIRED IMPORTED_TARGET libprotobuf-c)
find_program(PROTOC_C protoc-c REQUIRED)
add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/migrate.pb-c.c
	${CMAKE_CURRENT_BINARY_DIR}/migrate.pb-c.h
	COMMAND ${PROTOC_C} --c_out=${CMAKE_CURRENT_BINARY_DIR} -I${CMAKE_CURRENT_LIST_DIR}
	${CMAKE_CURRENT_LIST_DIR}/migrate.proto
	DEPENDS ${CMAKE_CURRENT_LIST_DIR}/migrate.proto VERBATIM)
set_source_files_properties(${CMAKE_CURRENT_BINARY_DIR}/migrate.pb-c.c PROPERTIES
	COMPILE_OPTIONS "-Wno-pedantic;-Wno-missing-prototypes")
add_library(lxfd_server STATIC
	${CMAKE_CURRENT_LIST_DIR}/http.c
	${CMAKE_CURRENT_LIST_DIR}/http_chunked.c
	${CMAKE_CURRENT_LIST_DIR}/https.c
	${CMAKE_CURRENT_LIST_DIR}/conns.c
	${CMAKE_CURRENT_LIST_DIR}/tls.c
	${CMAKE_CURRENT_LIST_DIR}/auth.c
	${CMAKE_CURRENT_LIST_DIR}/api_certificates.c
	${CMAKE_CURRENT_LIST_DIR}/router.c
	${CMAKE_CURRENT_LIST_DIR}/db.c
	${CMAKE_CURRENT_LIST_DIR}/journal.c
	${CMAKE_CURRENT_LIST_DIR}/op.c
	${CMAKE_CURRENT_LIST_DIR}/pool.c
	${CMAKE_CURRENT_LIST_DIR}/api_util.c
	${CMAKE_CURRENT_LIST_DIR}/api_server.c
	${CMAKE_CURRENT_LIST_DIR}/api_storage.c
	${CMAKE_CURRENT_LIST_DIR}/api_resources.c
	${CMAKE_CURRENT_LIST_DIR}/api_networks.c
	${CMAKE_CURRENT_LIST_DIR}/network.c
	${CMAKE_CURRENT_LIST_DIR}/filter.c
	${CMAKE_CURRENT_LIST_DIR}/autostart.c
	${CMAKE_CURRENT_LIST_DIR}/api_operations.c
	${CMAKE_CURRENT_LIST_DIR}/api_instances.c
	${CMAKE_CURRENT_LIST_DIR}/migrate_copy.c
	${CMAKE_CURRENT_LIST_DIR}/migrate_proto.c
	${CMAKE_CURRENT_LIST_DIR}/migrate_ws.c
	${CMAKE_CURRENT_LIST_DIR}/migrate_rsync.c
	${CMAKE_CURRENT_LIST_DIR}/migrate_source.c
	${CMAKE_CURRENT_LIST_DIR}/migrate_target.c
	${CMAKE_CURRENT_BINARY_DIR}/migrate.pb-c.c
	${CMAKE_CURRENT_LIST_DIR}/api_instance.c
	${CMAKE_CURRENT_LIST_DIR}/api_state.c
	${CMAKE_CURRENT_LIST_DIR}/api_images.c
	${CMAKE_CURRENT_LIST_DIR}/api_image_copy.c
	${CMAKE_CURRENT_LIST_DIR}/ws_dial.c
	${CMAKE_CURRENT_LIST_DIR}/api_aliases.c
	${CMAKE_CURRENT_LIST_DIR}/api_profiles.c
	${CMAKE_CURRENT_LIST_DIR}/api_files.c
	${CMAKE_CURRENT_LIST_DIR}/api_snapshots.c
	${CMAKE_CURRENT_LIST_DIR}/api_logs.c
	${CMAKE_CURRENT_LIST_DIR}/ws.c
	${CMAKE_CURRENT_LIST_DIR}/events.c
	${CMAKE_CURRENT_LIST_DIR}/exec.c
	${CMAKE_CURRENT_LIST_DIR}/exec_parse.c
	${CMAKE_CURRENT_LIST_DIR}/watch.c
	${CMAKE_CURRENT_LIST_DIR}/console.c)
target_include_directories(lxfd_server PUBLIC ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_CURRENT_BINARY_DIR})
target_compile_definitions(lxfd_server PRIVATE LXF_LXC_VERSION="${LXC_VERSION}")
target_link_libraries(lxfd_server PUBLIC lxfd_backend lxfcommon PkgConfig::LWS
	PkgConfig::SQLITE PkgConfig::OPENSSL PkgConfig::PROTOBUFC Threads::Threads)

# lxfd never links libcurl: its client subcommands (waitready, shutdown,
# init) are lxfd-admin, which lxfd execs (helper.h says where it looks).
# tests/e2e/test-lxfd-deps.sh checks that lxfd maps neither libcurl nor
# libarchive.
add_executable(lxfd ${CMAKE_CURRENT_LIST_DIR}/main.c ${CMAKE_CURRENT_LIST_DIR}/cmdline.c)
target_link_libraries(lxfd PRIVATE lxfd_server)
add_executable(lxfd-admin ${CMAKE_CURRENT_LIST_DIR}/admin.c ${CMAKE_CURRENT_LIST_DIR}/cmdline.c
	${CMAKE_CURRENT_LIST_DIR}/init.c ${CMAKE_CURRENT_LIST_DIR}/admin_fetch.c
	${CMAKE_CURRENT_LIST_DIR}/helper.c)
target_include_directories(lxfd-admin PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(lxfd-admin PRIVATE lxfcommon PkgConfig::CURL PkgConfig::OPENSSL)
# lxfd finds its helpers next to itself in the build tree.
add_dependencies(lxfd lxfd-admin lxfd-image lxfd-attach)
install(TARGETS lxfd DESTINATION sbin)
install(TARGETS lxfd-admin DESTINATION libexec/lxf)
