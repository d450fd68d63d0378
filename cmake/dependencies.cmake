# Every dependency comes from Debian packages or the npm-hosted DuckDB that
# scripts/setup installs; nothing is fetched at build time.

find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(GTest REQUIRED)
find_package(Boost 1.74 REQUIRED)
pkg_check_modules(LIBEDIT REQUIRED IMPORTED_TARGET libedit)
# librdkafka: loch's own Kafka client commands, and the test clients.
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET GLOBAL rdkafka)

# DuckDB: DUCKDB_ROOT (environment or -D) with include/duckdb.h and
# lib/libduckdb.so, else the copy scripts/setup unpacked into .deps/duckdb.
if(NOT DUCKDB_ROOT)
  if(DEFINED ENV{DUCKDB_ROOT})
    set(DUCKDB_ROOT $ENV{DUCKDB_ROOT})
  else()
    set(DUCKDB_ROOT ${PROJECT_SOURCE_DIR}/.deps/duckdb)
  endif()
endif()
find_path(DUCKDB_INCLUDE_DIR duckdb.h PATHS ${DUCKDB_ROOT}/include NO_DEFAULT_PATH)
find_library(DUCKDB_LIBRARY duckdb PATHS ${DUCKDB_ROOT}/lib NO_DEFAULT_PATH)
if(NOT DUCKDB_INCLUDE_DIR OR NOT DUCKDB_LIBRARY)
  message(FATAL_ERROR "DuckDB not found in ${DUCKDB_ROOT}: run scripts/setup, or set DUCKDB_ROOT")
endif()
add_library(duckdb SHARED IMPORTED GLOBAL)
set_target_properties(duckdb PROPERTIES
  IMPORTED_LOCATION ${DUCKDB_LIBRARY}
  INTERFACE_SYSTEM_INCLUDE_DIRECTORIES ${DUCKDB_INCLUDE_DIR})
target_include_directories(duckdb SYSTEM INTERFACE ${DUCKDB_INCLUDE_DIR})
get_filename_component(DUCKDB_LIBRARY_DIR ${DUCKDB_LIBRARY} DIRECTORY)
# The binary finds libduckdb.so where setup put it, without LD_LIBRARY_PATH.
set(CMAKE_BUILD_RPATH ${DUCKDB_LIBRARY_DIR})
set(CMAKE_INSTALL_RPATH ${DUCKDB_LIBRARY_DIR})
# RocksDB: the operator state of streaming pipelines (src/process/pipeline).
pkg_check_modules(ROCKSDB REQUIRED IMPORTED_TARGET GLOBAL rocksdb)
