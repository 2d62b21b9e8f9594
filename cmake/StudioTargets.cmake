# Helpers shared by every target: warnings, and the doctest unit-test pattern.

# -Wno-missing-field-initializers: g++ 12 warns on C++20 designated initializers
# that leave members to their default member initializers, which is intended.
function(studio_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
endfunction()

# studio_add_library(name SOURCES ... DEPS ...)
# A library under libs/<dir> with a public include/ directory.
function(studio_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  studio_warnings(${name})
endfunction()

# studio_add_unit_test(name SOURCES ... DEPS ...)
# A doctest executable registered with ctest under the name "unit.<name>".
function(studio_add_unit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT STUDIO_BUILD_TESTS)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES} ${PROJECT_SOURCE_DIR}/tests/support/doctest_main.cpp)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} doctest::doctest)
  studio_warnings(${name})
  add_test(NAME unit.${name} COMMAND ${name})
  set_tests_properties(unit.${name} PROPERTIES TIMEOUT 120)
endfunction()
