# loch_library(NAME DIR DEPS...): a static library of DIR's *.cc files, with
# DIR's *_test.cc files built into the test binary NAME_test (GoogleTest,
# registered with ctest). Tests sit beside the code they test.
function(loch_library name dir)
  file(GLOB sources CONFIGURE_DEPENDS ${dir}/*.cc)
  file(GLOB tests CONFIGURE_DEPENDS ${dir}/*_test.cc)
  if(tests)
    list(REMOVE_ITEM sources ${tests})
  endif()
  if(NOT sources)
    # A module not written yet: an empty interface so that others may link it.
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${name} INTERFACE ${ARGN})
    return()
  endif()
  add_library(${name} STATIC ${sources})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${name} PRIVATE ${LOCH_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARGN})
  if(tests)
    add_executable(${name}_test ${tests})
    target_compile_options(${name}_test PRIVATE ${LOCH_WARNINGS})
    target_link_libraries(${name}_test PRIVATE ${name} GTest::gtest GTest::gtest_main)
    gtest_discover_tests(${name}_test WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} DISCOVERY_TIMEOUT 60)
  endif()
endfunction()

include(GoogleTest)
