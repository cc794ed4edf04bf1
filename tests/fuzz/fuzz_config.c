/*
 * fuzz_config — regied's configuration loader (cfgload_read) on an input
 * taken as the text of regie.conf. The file is written once per input in
 * the fuzzer's folder, which also holds what a configuration names:
 * server.key and server.pub, pseudonym.key, the templates (templates/)
 * and room for the database, so that a good configuration loads (see
 * tests/fuzz/corpus/config), and the traps of tests/data/config: a FIFO
 * called fifo (which must be refused, not read) and open-pseudonym.key. The
 * loader's error lines go to stderr (scripts/fuzz runs libFuzzer with
 * -close_fd_mask=2).
 */
#include "fuzz.h"

#include "config/cfg.h"
#include "config/cfgload.h"
#include "log.h"
#include "xmem.h"

#include <stdlib.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char *path;
    if (!path) {
        log_set_level(LOG_LEVEL_ERR);
        fuzz_keys();
        fuzz_templates();
        char *fifo = xasprintf("%s/fifo", fuzz_dir());
        if (mkfifo(fifo, 0600) != 0)
            abort();
        free(fifo);
        path = fuzz_write("regie.conf", "", 0, 0644);
    }
    free(fuzz_write("regie.conf", data, size, 0644));
    cfg_t *cfg = cfgload_read(path);
    cfg_destroy(&cfg);
    return 0;
}
