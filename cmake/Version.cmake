# Version, git commit and build time, baked into libs/core at configure time.
find_package(Git QUIET)
set(STUDIO_GIT_COMMIT "unknown")
if(GIT_FOUND)
  execute_process(
    COMMAND ${GIT_EXECUTABLE} rev-parse --short=12 HEAD
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    OUTPUT_VARIABLE _commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET
    RESULT_VARIABLE _rc)
  if(_rc EQUAL 0 AND _commit)
    set(STUDIO_GIT_COMMIT ${_commit})
  endif()
endif()
string(TIMESTAMP STUDIO_BUILD_TIME "%Y-%m-%dT%H:%M:%SZ" UTC)
