# Runs one `infoscale` command and checks it (cmake -P, so the tests need no shell or Python).
#   -DPROGRAM=... -DARGS=a|b|c -DWORKDIR=...   the command
#   -DEXPECT_RC=n                               its exit code (default 0)
#   -DGOLDEN=file                               stdout must equal this file byte for byte
#   -DSTDERR_HAS=text                           stderr must contain this text
#   -DJSON_CHECK=prog -DREFERENCE=file          stdout is JSON checked by json_close against numpy
#   -DOUTPUT=file                               where to keep stdout (for JSON_CHECK and diffs)
string(REPLACE "|" ";" ARGS "${ARGS}")
if(NOT DEFINED EXPECT_RC)
  set(EXPECT_RC 0)
endif()
execute_process(COMMAND ${PROGRAM} ${ARGS} WORKING_DIRECTORY ${WORKDIR} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT rc STREQUAL EXPECT_RC)
  message(FATAL_ERROR "exit code ${rc}, expected ${EXPECT_RC}\nstdout:\n${out}\nstderr:\n${err}")
endif()
if(DEFINED OUTPUT)
  file(WRITE ${OUTPUT} "${out}")
endif()
if(DEFINED GOLDEN)
  file(READ ${GOLDEN} expected)
  if(NOT out STREQUAL expected)
    message(FATAL_ERROR "stdout differs from ${GOLDEN}; got:\n${out}")
  endif()
endif()
if(DEFINED STDERR_HAS)
  string(FIND "${err}" "${STDERR_HAS}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "stderr lacks '${STDERR_HAS}'; got:\n${err}")
  endif()
endif()
if(DEFINED JSON_CHECK)
  execute_process(COMMAND ${JSON_CHECK} ${OUTPUT} ${REFERENCE} RESULT_VARIABLE check_rc OUTPUT_VARIABLE check_out
                  ERROR_VARIABLE check_err)
  if(NOT check_rc EQUAL 0)
    message(FATAL_ERROR "JSON differs from numpy's reference ${REFERENCE}:\n${check_err}${check_out}")
  endif()
  message(STATUS "${check_out}")
endif()
