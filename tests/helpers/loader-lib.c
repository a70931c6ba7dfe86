/* SPDX-License-Identifier: Apache-2.0 */
/* The shared object test-process-loader.sh's program loads: built with a build id. */
int tg_loader_test_value(void);

int tg_loader_test_value(void) {
        return 42;
}
