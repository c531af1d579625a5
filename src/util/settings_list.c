/* The one list of every settings table in the library (kurir-info --settings prints it). */
#include "config.h"

#include "settings.h"

/* Declared here rather than by including each module's header: util stays at the bottom of
 * the layering and only needs the symbols. */
extern const struct kr_setting kr_boot_settings[];
extern const struct kr_setting kr_shm_settings[];
extern const struct kr_setting kr_pt2pt_settings[];
extern const struct kr_setting kr_coll_settings[];
extern const struct kr_setting kr_api_settings[];

const struct kr_setting *const kr_settings_all[] = {
    kr_util_settings,
    kr_boot_settings,
    kr_shm_settings,
    kr_pt2pt_settings,
    kr_coll_settings,
    kr_api_settings,
    NULL
};
