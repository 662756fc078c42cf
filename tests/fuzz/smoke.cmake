# A short fuzzing run over the checked-in seeds (ctest -L fuzz). New inputs
# go to a scratch folder that starts empty every time, so the run stays short
# and the source tree is never written. The seeds run first, so an input that
# once crashed (corpus/<target>/regression-*) fails the run at once.
#   cmake -DFUZZER=... -DSEEDS=... -DDICT=... -DWORK=... -DARTIFACTS=... [-DOPTIONS=...] -P smoke.cmake
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK} ${ARTIFACTS})
separate_arguments(extra UNIX_COMMAND "${OPTIONS}")
execute_process(
  COMMAND ${FUZZER} -max_total_time=20 -timeout=5 -rss_limit_mb=2048 -print_final_stats=1
          -dict=${DICT} -artifact_prefix=${ARTIFACTS}/ ${extra} ${WORK} ${SEEDS}
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${FUZZER} found a problem (exit ${result}); the input is in ${ARTIFACTS}")
endif()
