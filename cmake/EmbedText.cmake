# cmake -DINPUT=file -DOUTPUT=file.cpp -DNAME=function -P EmbedText.cmake
# Writes a C++ source defining `std::string_view studio::NAME()` that returns the
# bytes of INPUT (a text file without the sequence `)studio_embed"`).
file(READ "${INPUT}" content)
string(FIND "${content}" ")studio_embed\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter )studio_embed\"")
endif()
file(WRITE "${OUTPUT}.tmp"
     "// Generated from ${INPUT} by cmake/EmbedText.cmake; do not edit.\n"
     "#include <string_view>\n"
     "namespace studio {\n"
     "std::string_view ${NAME}() {\n"
     "  static constexpr std::string_view text = R\"studio_embed(${content})studio_embed\";\n"
     "  return text;\n"
     "}\n"
     "}  // namespace studio\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
