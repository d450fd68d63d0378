# Kafka message codecs, generated at build time by kafka_codegen.py from
# Kafka's JSON schemata into the build directory (never committed).
#
# loch_generate_kafka_messages(TARGET TEST_TARGET): adds the generated
# sources to TARGET (a loch_library) and the generated round-trip tests to
# TEST_TARGET, and puts the generated headers on TARGET's include path
# (#include "collect/kafka/protocol/messages/produce_request.h").
find_package(Python3 REQUIRED COMPONENTS Interpreter)

set(LOCH_KAFKA_SPEC_DIR ${PROJECT_SOURCE_DIR}/../shared/spec/kafka
    CACHE PATH "Directory of Kafka's protocol message schemata (*.json)")
if(NOT EXISTS ${LOCH_KAFKA_SPEC_DIR}/ApiVersionsRequest.json)
  message(FATAL_ERROR "Kafka schemata not found in ${LOCH_KAFKA_SPEC_DIR}: set LOCH_KAFKA_SPEC_DIR")
endif()

set(LOCH_KAFKA_CODEGEN ${CMAKE_CURRENT_LIST_DIR}/kafka_codegen.py)

function(loch_generate_kafka_messages target test_target)
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/kafka_generated)
  file(GLOB specs CONFIGURE_DEPENDS ${LOCH_KAFKA_SPEC_DIR}/*.json)
  # The list of generated files depends on the generator and the schema set:
  # rerun CMake when either changes.
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${LOCH_KAFKA_CODEGEN})
  execute_process(
    COMMAND ${Python3_EXECUTABLE} ${LOCH_KAFKA_CODEGEN} --spec-dir ${LOCH_KAFKA_SPEC_DIR}
            --out-dir ${out_dir} --tests --list-outputs
    OUTPUT_VARIABLE outputs
    RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "kafka_codegen.py could not read the schemata in ${LOCH_KAFKA_SPEC_DIR}")
  endif()
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND ${Python3_EXECUTABLE} ${LOCH_KAFKA_CODEGEN} --spec-dir ${LOCH_KAFKA_SPEC_DIR}
            --out-dir ${out_dir} --tests
    DEPENDS ${LOCH_KAFKA_CODEGEN} ${specs}
    COMMENT "Generating Kafka message codecs from ${LOCH_KAFKA_SPEC_DIR}"
    VERBATIM)
  set(sources ${outputs})
  list(FILTER sources INCLUDE REGEX "\\.(cc|h)$")
  list(FILTER sources EXCLUDE REGEX "_test_[0-9]+\\.cc$")
  list(FILTER sources EXCLUDE REGEX "sample_requests\\.cc$")
  set(tests ${outputs})
  list(FILTER tests INCLUDE REGEX "_test_[0-9]+\\.cc$")
  # Sample request frames, for the fuzzer's seed writer (fuzz/CMakeLists.txt).
  set(LOCH_KAFKA_SAMPLE_REQUESTS_SOURCE ${out_dir}/sample_requests.cc PARENT_SCOPE)
  target_sources(${target} PRIVATE ${sources})
  target_include_directories(${target} PUBLIC ${out_dir})
  if(TARGET ${test_target})
    target_sources(${test_target} PRIVATE ${tests})
  endif()
endfunction()
