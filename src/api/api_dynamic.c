/* Dynamic process management (MPI-5.0 chapter 11). Kurir's launcher cannot add processes to a
 * running job and has no name service, so spawning and connecting fail cleanly with the class
 * the standard names; MPI_Comm_get_parent says there is no parent; MPI_Comm_disconnect works
 * on every communicator, as a collective free. */
#include "config.h"

#include "api.h"
#include "api_comm_int.h"

#include "coll/coll.h"

#include <stddef.h>

#define DYN_NO_SPAWN                                                                               \
    "Kurir's launcher cannot start processes in a running job (start them all "                    \
    "with mpirun -n instead)"
#define DYN_NO_PORTS "Kurir has no port or name service to connect separately started jobs"

/* Checks common to both spawn calls: a valid communicator and root. */
static int dyn_spawn_fail(const char *call, MPI_Comm h, int root, int nerr, int errcodes[],
                          MPI_Comm *intercomm)
{
    struct kr_comm *comm;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_comm(call, h, &comm);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (comm->inter) {
        return kr_api_error(comm, MPI_ERR_COMM, "%s: comm is an intercommunicator", call);
    }
    ret = kr_api_check_root(call, comm, root);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (intercomm == NULL) {
        return kr_api_error(comm, MPI_ERR_ARG, "%s: intercomm is NULL", call);
    }
    *intercomm = MPI_COMM_NULL;
    /* MPI_ERRCODES_IGNORE is NULL in the ABI */
    for (int i = 0; errcodes != NULL && i < nerr; i++) {
        errcodes[i] = MPI_ERR_SPAWN;
    }
    return kr_api_error(comm, MPI_ERR_SPAWN, "%s: %s", call, DYN_NO_SPAWN);
}

KR_WEAK_ALIAS(Comm_spawn)
int PMPI_Comm_spawn(const char *command, char *argv[], int maxprocs, MPI_Info info, int root,
                    MPI_Comm comm, MPI_Comm *intercomm, int array_of_errcodes[])
{
    (void) command;
    (void) argv;
    (void) info;
    return dyn_spawn_fail("MPI_Comm_spawn", comm, root, maxprocs > 0 ? maxprocs : 0,
                          array_of_errcodes, intercomm);
}

KR_WEAK_ALIAS(Comm_spawn_multiple)
int PMPI_Comm_spawn_multiple(int count, char *array_of_commands[], char **array_of_argv[],
                             const int array_of_maxprocs[], const MPI_Info array_of_info[],
                             int root, MPI_Comm comm, MPI_Comm *intercomm, int array_of_errcodes[])
{
    int total = 0;

    (void) array_of_commands;
    (void) array_of_argv;
    (void) array_of_info;
    for (int i = 0; array_of_maxprocs != NULL && i < count; i++) {
        total += array_of_maxprocs[i] > 0 ? array_of_maxprocs[i] : 0;
    }
    return dyn_spawn_fail("MPI_Comm_spawn_multiple", comm, root, total, array_of_errcodes,
                          intercomm);
}

KR_WEAK_ALIAS(Comm_get_parent)
int PMPI_Comm_get_parent(MPI_Comm *parent)
{
    kr_api_check_running("MPI_Comm_get_parent");
    if (parent == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Comm_get_parent: parent is NULL");
    }
    *parent = MPI_COMM_NULL; /* nothing is ever spawned */
    return MPI_SUCCESS;
}

/* Port and name calls: always the named class, with the reason. */
static int dyn_no_ports(const char *call, int cls, const char *what)
{
    kr_api_check_running(call);
    return kr_api_error(NULL, cls, "%s: %s%s", call, DYN_NO_PORTS, what);
}

KR_WEAK_ALIAS(Open_port)
int PMPI_Open_port(MPI_Info info, char *port_name)
{
    (void) info;
    if (port_name != NULL) {
        port_name[0] = '\0';
    }
    return dyn_no_ports("MPI_Open_port", MPI_ERR_UNSUPPORTED_OPERATION, "");
}

KR_WEAK_ALIAS(Close_port)
int PMPI_Close_port(const char *port_name)
{
    (void) port_name; /* Open_port never gives one out */
    return dyn_no_ports("MPI_Close_port", MPI_ERR_PORT, " (no port was opened)");
}

/* Accept and connect are collective over `comm`; every caller fails the same way, so none of
 * them waits for another. */
static int dyn_connect(const char *call, MPI_Comm h, MPI_Comm *newcomm)
{
    struct kr_comm *comm;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_comm(call, h, &comm);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (newcomm == NULL) {
        return kr_api_error(comm, MPI_ERR_ARG, "%s: newcomm is NULL", call);
    }
    *newcomm = MPI_COMM_NULL;
    return kr_api_error(comm, MPI_ERR_PORT, "%s: %s", call, DYN_NO_PORTS);
}

KR_WEAK_ALIAS(Comm_accept)
int PMPI_Comm_accept(const char *port_name, MPI_Info info, int root, MPI_Comm comm,
                     MPI_Comm *newcomm)
{
    (void) port_name;
    (void) info;
    (void) root;
    return dyn_connect("MPI_Comm_accept", comm, newcomm);
}

KR_WEAK_ALIAS(Comm_connect)
int PMPI_Comm_connect(const char *port_name, MPI_Info info, int root, MPI_Comm comm,
                      MPI_Comm *newcomm)
{
    (void) port_name;
    (void) info;
    (void) root;
    return dyn_connect("MPI_Comm_connect", comm, newcomm);
}

KR_WEAK_ALIAS(Comm_join)
int PMPI_Comm_join(int fd, MPI_Comm *intercomm)
{
    (void) fd;
    if (intercomm != NULL) {
        *intercomm = MPI_COMM_NULL;
    }
    return dyn_no_ports("MPI_Comm_join", MPI_ERR_UNSUPPORTED_OPERATION, "");
}

KR_WEAK_ALIAS(Publish_name)
int PMPI_Publish_name(const char *service_name, MPI_Info info, const char *port_name)
{
    (void) service_name;
    (void) info;
    (void) port_name;
    return dyn_no_ports("MPI_Publish_name", MPI_ERR_UNSUPPORTED_OPERATION, "");
}

KR_WEAK_ALIAS(Unpublish_name)
int PMPI_Unpublish_name(const char *service_name, MPI_Info info, const char *port_name)
{
    (void) info;
    (void) port_name;
    kr_api_check_running("MPI_Unpublish_name");
    return kr_api_error(NULL, MPI_ERR_SERVICE, "MPI_Unpublish_name: service '%s' was not published",
                        service_name != NULL ? service_name : "(null)");
}

KR_WEAK_ALIAS(Lookup_name)
int PMPI_Lookup_name(const char *service_name, MPI_Info info, char *port_name)
{
    (void) info;
    kr_api_check_running("MPI_Lookup_name");
    if (port_name != NULL) {
        port_name[0] = '\0';
    }
    return kr_api_error(NULL, MPI_ERR_NAME, "MPI_Lookup_name: no service '%s' is published (%s)",
                        service_name != NULL ? service_name : "(null)", DYN_NO_PORTS);
}

/* Collective over `comm`: after the barrier every member has stopped using it (all its
 * communication is complete at the user's level, as the standard requires), so freeing cannot
 * race a member still sending. Requests left pending keep the communicator alive, as after
 * MPI_Comm_free. */
KR_WEAK_ALIAS(Comm_disconnect)
int PMPI_Comm_disconnect(MPI_Comm *h)
{
    struct kr_comm *comm;
    int ret;

    kr_api_check_running("MPI_Comm_disconnect");
    if (h == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Comm_disconnect: comm is NULL");
    }
    ret = kr_api_check_comm("MPI_Comm_disconnect", *h, &comm);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (comm == kr_api.world || comm == kr_api.self) {
        return kr_api_error(comm, MPI_ERR_COMM, "MPI_Comm_disconnect: %s cannot be freed",
                            comm == kr_api.world ? "MPI_COMM_WORLD" : "MPI_COMM_SELF");
    }
    ret = kr_coll_barrier(comm);
    if (ret != 0) {
        return kr_api_fail(comm, "MPI_Comm_disconnect", ret);
    }
    ret = kr_api_comm_attrs_delete(comm);
    if (ret != MPI_SUCCESS) {
        return kr_api_error(comm, ret,
                            "MPI_Comm_disconnect: an attribute delete callback returned "
                            "error %d",
                            ret);
    }
    ret = kr_api_bsend_comm_free(comm, "MPI_Comm_disconnect");
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    kr_api_comm_destroy(comm);
    *h = MPI_COMM_NULL;
    return MPI_SUCCESS;
}
