/* MPI_T events. Kurir defines no event types: there are none to look up or register for, so
 * no registration or instance handle can exist and every call that takes one refuses it. */
#include "config.h"

#include "api_t_int.h"

static int t_event_none(void)
{
    return kr_t_ready() ? MPI_T_ERR_INVALID_HANDLE : MPI_T_ERR_NOT_INITIALIZED;
}

KR_WEAK_ALIAS(T_event_get_num)
int PMPI_T_event_get_num(int *num_events)
{
    if (!kr_t_ready()) {
        return MPI_T_ERR_NOT_INITIALIZED;
    }
    if (num_events == NULL) {
        return MPI_T_ERR_INVALID;
    }
    *num_events = 0;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(T_event_get_info)
int PMPI_T_event_get_info(int event_index, char *name, int *name_len, int *verbosity,
                          MPI_Datatype array_of_datatypes[], MPI_Aint array_of_displacements[],
                          int *num_elements, MPI_T_enum *enumtype, MPI_Info *info, char *desc,
                          int *desc_len, int *bind)
{
    (void) event_index;
    (void) name;
    (void) name_len;
    (void) verbosity;
    (void) array_of_datatypes;
    (void) array_of_displacements;
    (void) num_elements;
    (void) enumtype;
    (void) info;
    (void) desc;
    (void) desc_len;
    (void) bind;
    return kr_t_ready() ? MPI_T_ERR_INVALID_INDEX : MPI_T_ERR_NOT_INITIALIZED;
}

KR_WEAK_ALIAS(T_event_get_index)
int PMPI_T_event_get_index(const char *name, int *event_index)
{
    if (!kr_t_ready()) {
        return MPI_T_ERR_NOT_INITIALIZED;
    }
    if (name == NULL || event_index == NULL) {
        return MPI_T_ERR_INVALID;
    }
    return MPI_T_ERR_INVALID_NAME;
}

KR_WEAK_ALIAS(T_event_handle_alloc)
int PMPI_T_event_handle_alloc(int event_index, void *obj_handle, MPI_Info info,
                              MPI_T_event_registration *event_registration)
{
    (void) event_index;
    (void) obj_handle;
    (void) info;
    (void) event_registration;
    return kr_t_ready() ? MPI_T_ERR_INVALID_INDEX : MPI_T_ERR_NOT_INITIALIZED;
}

KR_WEAK_ALIAS(T_event_handle_free)
int PMPI_T_event_handle_free(MPI_T_event_registration event_registration, void *user_data,
                             MPI_T_event_free_cb_function free_cb_function)
{
    (void) event_registration;
    (void) user_data;
    (void) free_cb_function;
    return t_event_none();
}

KR_WEAK_ALIAS(T_event_handle_get_info)
int PMPI_T_event_handle_get_info(MPI_T_event_registration event_registration, MPI_Info *info_used)
{
    (void) event_registration;
    (void) info_used;
    return t_event_none();
}

KR_WEAK_ALIAS(T_event_handle_set_info)
int PMPI_T_event_handle_set_info(MPI_T_event_registration event_registration, MPI_Info info)
{
    (void) event_registration;
    (void) info;
    return t_event_none();
}

KR_WEAK_ALIAS(T_event_register_callback)
int PMPI_T_event_register_callback(MPI_T_event_registration event_registration,
                                   MPI_T_cb_safety cb_safety, MPI_Info info, void *user_data,
                                   MPI_T_event_cb_function event_cb_function)
{
    (void) event_registration;
    (void) cb_safety;
    (void) info;
    (void) user_data;
    (void) event_cb_function;
    return t_event_none();
}

KR_WEAK_ALIAS(T_event_callback_get_info)
int PMPI_T_event_callback_get_info(MPI_T_event_registration event_registration,
                                   MPI_T_cb_safety cb_safety, MPI_Info *info_used)
{
    (void) event_registration;
    (void) cb_safety;
    (void) info_used;
    return t_event_none();
}

KR_WEAK_ALIAS(T_event_callback_set_info)
int PMPI_T_event_callback_set_info(MPI_T_event_registration event_registration,
                                   MPI_T_cb_safety cb_safety, MPI_Info info)
{
    (void) event_registration;
    (void) cb_safety;
    (void) info;
    return t_event_none();
}

KR_WEAK_ALIAS(T_event_set_dropped_handler)
int PMPI_T_event_set_dropped_handler(MPI_T_event_registration event_registration,
                                     MPI_T_event_dropped_cb_function dropped_cb_function)
{
    (void) event_registration;
    (void) dropped_cb_function;
    return t_event_none();
}

/* Instances exist only inside a callback, and no callback ever runs. */
KR_WEAK_ALIAS(T_event_read)
int PMPI_T_event_read(MPI_T_event_instance event_instance, int element_index, void *buffer)
{
    (void) event_instance;
    (void) element_index;
    (void) buffer;
    return t_event_none();
}

KR_WEAK_ALIAS(T_event_copy)
int PMPI_T_event_copy(MPI_T_event_instance event_instance, void *buffer)
{
    (void) event_instance;
    (void) buffer;
    return t_event_none();
}

KR_WEAK_ALIAS(T_event_get_timestamp)
int PMPI_T_event_get_timestamp(MPI_T_event_instance event_instance, MPI_Count *event_timestamp)
{
    (void) event_instance;
    (void) event_timestamp;
    return t_event_none();
}

KR_WEAK_ALIAS(T_event_get_source)
int PMPI_T_event_get_source(MPI_T_event_instance event_instance, int *source_index)
{
    (void) event_instance;
    (void) source_index;
    return t_event_none();
}
