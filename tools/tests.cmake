# End-to-end tests of the `infoscale` program on the small dumps in tests/fixtures/cli/: numbers
# against numpy/scipy (reference JSON written by make_cli_fixtures.py), text output against golden
# files reviewed by hand, and every error path's exit code and message.
add_executable(infoscale_json_close tests/json_close.cpp)
target_link_libraries(infoscale_json_close PRIVATE nlohmann_json::nlohmann_json)

set(cli_fixtures "${PROJECT_SOURCE_DIR}/tests/fixtures/cli")
set(cli_runner "${CMAKE_CURRENT_SOURCE_DIR}/tests/run_cli_test.cmake")

# cli_test(NAME name ARGS ... [RC n] [GOLDEN file] [STDERR text] [REFERENCE file])
function(cli_test)
  cmake_parse_arguments(T "" "NAME;RC;GOLDEN;STDERR;REFERENCE" "ARGS" ${ARGN})
  # Arguments travel joined by '|' (a list's ';' would split them in add_test); the runner splits them.
  string(JOIN "|" joined_args ${T_ARGS})
  set(defs -DPROGRAM=$<TARGET_FILE:infoscale_cli> "-DARGS=${joined_args}" -DWORKDIR=${cli_fixtures}
           -DOUTPUT=${CMAKE_CURRENT_BINARY_DIR}/${T_NAME}.out)
  if(DEFINED T_RC)
    list(APPEND defs -DEXPECT_RC=${T_RC})
  endif()
  if(DEFINED T_GOLDEN)
    list(APPEND defs -DGOLDEN=${cli_fixtures}/${T_GOLDEN})
  endif()
  if(DEFINED T_STDERR)
    list(APPEND defs "-DSTDERR_HAS=${T_STDERR}")
  endif()
  if(DEFINED T_REFERENCE)
    list(APPEND defs -DJSON_CHECK=$<TARGET_FILE:infoscale_json_close> -DREFERENCE=${cli_fixtures}/${T_REFERENCE})
  endif()
  add_test(NAME cli_${T_NAME} COMMAND ${CMAKE_COMMAND} ${defs} -P ${cli_runner})
endfunction()

# Numbers against numpy/scipy.
cli_test(NAME thermo_json ARGS thermo base.npy -t 1 -t 0.5 --targets targets.npy --json REFERENCE thermo_reference.json)
cli_test(NAME thermo_fast_json ARGS thermo base.npy -t 1 -t 0.5 --targets targets.npy --json --precision fast
         REFERENCE thermo_fast_reference.json)
cli_test(NAME thermo_safetensors_json ARGS thermo pair.safetensors --tensor base -t 1,0.5 --targets pair.safetensors
         --targets-tensor targets --json REFERENCE thermo_reference.json)
cli_test(NAME compare_json ARGS compare base.npy other.npy --targets targets.npy --json REFERENCE compare_reference.json)
cli_test(NAME compare_safetensors_json ARGS compare pair.safetensors pair.safetensors --tensor-a base --tensor-b other
         --targets targets.npy --json REFERENCE compare_reference.json)
# Text output, golden files checked by hand against the numbers make_cli_fixtures.py prints.
cli_test(NAME thermo_text ARGS thermo base.npy --targets targets.npy GOLDEN thermo.golden)
cli_test(NAME compare_text ARGS compare base.npy other.npy --targets targets.npy GOLDEN compare.golden)
cli_test(NAME level_text ARGS level --params 124e6 --vocab 50257 GOLDEN level.golden)
cli_test(NAME level_json_calibration ARGS level -P 1.75e11 -V 50257 --calibration 1,0,-10 --json GOLDEN level.json.golden)
# The real default: no file given reads the shipped character-LM logits and targets.
cli_test(NAME thermo_default ARGS thermo --no-progress)
# Errors: usage (exit 2) and bad files (exit 1), each with a message that names the problem.
cli_test(NAME usage_no_subcommand RC 2 STDERR "A subcommand is required")
cli_test(NAME usage_unknown_option ARGS thermo --bogus RC 2 STDERR "--bogus")
cli_test(NAME usage_bad_temperature ARGS thermo base.npy -t -1 RC 2 STDERR "temperature")
cli_test(NAME usage_missing_file ARGS thermo no_such.npy RC 2 STDERR "no_such.npy")
cli_test(NAME usage_shape_mismatch ARGS compare base.npy ../io/f4.npy RC 2 STDERR "LOGITS_A is 240 x 50 but LOGITS_B is 3 x 5")
cli_test(NAME usage_level_missing ARGS level --params 1e9 RC 2 STDERR "--vocab")
# GGUF models need the program linked with llama.cpp (scripts/llama-cpp.sh builds and tests it).
set(austen_gguf ../../../models/austen/gguf/austen-llama-a-f16.gguf)
cli_test(NAME usage_gguf_layers ARGS layers ${austen_gguf} --tokens ../gguf/layer_segments.txt RC 2
         STDERR "built without llama.cpp")
cli_test(NAME usage_gguf_study ARGS study a:llama:${austen_gguf} --tokens ../gguf/layer_segments.txt RC 2
         STDERR "built without llama.cpp")
cli_test(NAME usage_gguf_entropy_function ARGS entropy-function ${austen_gguf} --tokens ../gguf/thermo_prompts.txt
         RC 2 STDERR "built without llama.cpp")
cli_test(NAME usage_tokens_for_a_dump ARGS layers layers_planted.safetensors --tokens ../gguf/layer_segments.txt RC 2
         STDERR "--tokens and --labels are for GGUF models")
cli_test(NAME usage_calibration_count ARGS level -P 1e9 -V 5e4 --calibration 1,2 RC 2 STDERR "calibration")
cli_test(NAME file_truncated ARGS thermo truncated.npy RC 1 STDERR "truncated.npy' is truncated")
cli_test(NAME file_bad_safetensors ARGS thermo bad_header.safetensors RC 1
         STDERR "bad_header.safetensors' has a header length")
cli_test(NAME file_short_targets ARGS thermo base.npy --targets short_targets.npy RC 1
         STDERR "has 239 token ids but the logits have 240 rows")
cli_test(NAME file_targets_not_ids ARGS thermo base.npy --targets other.npy RC 1 STDERR "not integer token ids")
cli_test(NAME file_tensor_missing ARGS thermo pair.safetensors --tensor nope RC 1 STDERR "no tensor named 'nope'")
cli_test(NAME file_tensor_unnamed ARGS thermo pair.safetensors RC 1 STDERR "holds 3 tensors; name one")
cli_test(NAME file_ints_as_logits ARGS thermo targets.npy RC 1 STDERR "not floating-point logits")

# `infoscale layers` on the planted-boundary dumps of make_layers_fixtures.py: CKA, S1, S3 (masked
# attention JS), E(l) and the boundaries against numpy/scipy; the text table against a golden file
# checked by hand against the numbers the script prints; every bad-dump error with exit code 1.
cli_test(NAME layers_json ARGS layers layers_planted.safetensors --resamples 50 --json --no-progress
         REFERENCE layers_reference.json)
cli_test(NAME layers_text ARGS layers layers_planted.safetensors --resamples 50 --no-progress
         GOLDEN layers.golden)
cli_test(NAME layers_single_labels ARGS layers layers_single.safetensors --json --no-progress
         REFERENCE layers_single_reference.json)
cli_test(NAME layers_single_text ARGS layers layers_single.safetensors --no-progress
         GOLDEN layers_single.golden)
cli_test(NAME layers_plot ARGS layers layers_planted.safetensors --resamples 20 --no-progress --plot
         ${CMAKE_CURRENT_BINARY_DIR}/layers_plot.svg)
cli_test(NAME usage_layers_weights ARGS layers layers_planted.safetensors --weights 1,2 RC 2 STDERR "--weights")
# `infoscale study`: two runs of one family (the same planted dump: CV 0, drift 0) and a family of
# one; the golden file was checked by hand (boundaries as layers_text, 1.1 holds, 3.2 fails,
# the single-model family not testable); a malformed MODEL is a usage error.
cli_test(NAME study_planted ARGS study a:fam:layers_planted.safetensors b:fam:layers_planted.safetensors
         c:solo:layers_single.safetensors --resamples 50 --no-times --out ${CMAKE_CURRENT_BINARY_DIR}/study_planted
         GOLDEN study.golden)
cli_test(NAME usage_study_spec ARGS study layers_planted.safetensors RC 2 STDERR "is not NAME:FAMILY:DUMP")
# Options the pipeline bounds (layers/layer_analysis.hpp): usage errors naming the option.
cli_test(NAME usage_layers_seed ARGS layers layers_planted.safetensors --seed -1 RC 2 STDERR "a 64-bit seed")
cli_test(NAME usage_layers_one_resample ARGS layers layers_planted.safetensors --resamples 1 RC 2
         STDERR "argument 'resamples' is 1: too few for a 95% interval")
cli_test(NAME usage_layers_resamples_bound ARGS layers layers_planted.safetensors --resamples 100000000 RC 2
         STDERR "at most 100000 are allowed")
cli_test(NAME usage_layers_zero_weights ARGS layers layers_planted.safetensors --weights 0,0,0 RC 2
         STDERR "argument 'weights' must have a finite, positive sum")
cli_test(NAME usage_layers_huge_weights ARGS layers layers_planted.safetensors --weights 1e308,1e308,1e308 RC 2
         STDERR "argument 'weights' must have a finite, positive sum")
cli_test(NAME layers_minmax ARGS layers layers_planted.safetensors --resamples 20 --normalization minmax --no-progress)
cli_test(NAME file_layers_no_hidden ARGS layers layers_no_hidden.safetensors RC 1
         STDERR "has no tensor named 'hidden_states'")
cli_test(NAME file_layers_rank ARGS layers layers_rank2.safetensors RC 1
         STDERR "has hidden_states of rank 2 [12 x 4]")
cli_test(NAME file_layers_offsets ARGS layers layers_bad_offsets.safetensors RC 1
         STDERR "has sequence_offsets ending at 11 but hidden_states has 12 tokens")
cli_test(NAME file_layers_nan ARGS layers layers_nan.safetensors RC 1
         STDERR "non-finite value (nan) in hidden_states at layer 2, token 7, feature 1")
# The real default: no file given reads the shipped MiniLM-L6 dump (tests/fixtures/minilm/).
cli_test(NAME layers_default ARGS layers --resamples 50 --no-progress)

# The hostile-input suite (tests/hostile/run_hostile.py, standard-library Python): malformed .npy
# and safetensors files, option edge cases, empty and one-element inputs, extreme scales, devices
# and pipes, a full output device, concurrent runs and a file truncated while it is mapped, each
# with its exact exit code and message or value. Runs in every ctest stage (Release, sanitizers).
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  add_test(NAME cli_hostile COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/hostile/run_hostile.py
                                    $<TARGET_FILE:infoscale_cli> ${CMAKE_CURRENT_BINARY_DIR}/hostile)
  set_tests_properties(cli_hostile PROPERTIES TIMEOUT 300 COST 500)
else()
  message(STATUS "infoscale: no Python 3 interpreter, the hostile-input suite (cli_hostile) is not run")
endif()

# The claims ledger: docs/claims.md must be what the library computes now from docs/claims/ (CI
# fails on any difference, so the committed ledger cannot go stale), and its inputs' errors.
add_test(NAME cli_claims_up_to_date
         COMMAND infoscale_cli claims --inputs "${PROJECT_SOURCE_DIR}/docs/claims" --check
                 "${PROJECT_SOURCE_DIR}/docs/claims.md")
cli_test(NAME claims_missing_check ARGS claims --inputs . --check no-such-ledger.md RC 2 STDERR "cannot open")
cli_test(NAME claims_corrupt_input ARGS claims --inputs claims_corrupt RC 1 STDERR "'thermo.json'")
