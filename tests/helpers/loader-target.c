/* SPDX-License-Identifier: Apache-2.0 */
/* test-process-loader.sh's program: dlopen()s the shared object named by argv[1] when a
 * line arrives on stdin, says "loaded", and exits at the next line (or end of input). */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char *argv[]) {
        char line[64];
        void *handle;

        if (argc != 2) {
                fprintf(stderr, "usage: %s SHARED-OBJECT\n", argv[0]);
                return 2;
        }
        if (!fgets(line, sizeof(line), stdin))
                return 1;
        handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
                fprintf(stderr, "dlopen: %s\n", dlerror());
                return 1;
        }
        printf("loaded\n");
        fflush(stdout);
        (void) fgets(line, sizeof(line), stdin);
        dlclose(handle);
        return 0;
}
