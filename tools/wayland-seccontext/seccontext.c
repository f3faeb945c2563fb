/* SPDX-License-Identifier: MIT */
/*
 * vmsilo-wayland-seccontext: gives one VM's GPU device a Wayland socket of its
 * own whose connections the host compositor tags with a security context
 * (security-context-v1): sandbox engine "vmsilo", app_id the VM name,
 * instance_id the VM color as #rrggbb. The compositor accepts on that socket
 * itself; this process only sets the context up and then holds close_fd open
 * for as long as the socket should work. See docs/gpu.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <unistd.h>
#include <wayland-client.h>

#include "io.h"
#include "log.h"
#include "macro.h"
#include "options.h"
#include "seccomp-sanitizer.h"
#include "security-context-v1.h"

#define SANDBOX_ENGINE "vmsilo"
#define LISTEN_BACKLOG 16

/*
 * What the program does once READY: wait in epoll, read signals and the
 * compositor's messages, log, and on exit close descriptors, remove the socket.
 */
static const int allowed_syscalls[] = {
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl), SCMP_SYS(signalfd4), SCMP_SYS(read),
	SCMP_SYS(recvmsg), SCMP_SYS(sendmsg), SCMP_SYS(write), SCMP_SYS(writev), SCMP_SYS(poll),
	SCMP_SYS(ppoll), SCMP_SYS(close), SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(unlink),
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(clock_gettime), SCMP_SYS(brk), SCMP_SYS(mmap),
	SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise), SCMP_SYS(futex),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn), SCMP_SYS(restart_syscall), SCMP_SYS(exit),
	SCMP_SYS(exit_group),
	VMSILO_SANITIZER_SYSCALLS
};

/* How the program ends (the exit status): 0 on a signal, 1 on failure. */
enum { EXIT_STOPPED = 0, EXIT_FAILED = 1 };

struct seccontext {
	struct seccontext_options opt;
	const char *display_name; /* for messages */
	struct wl_display *display;
	struct wl_proxy *manager;
	int close_write_fd; /* closing it tells the compositor to stop accepting */
	dev_t socket_dev;   /* the socket file we created, so exit removes only ours */
	ino_t socket_ino;
	bool socket_created;
};

static void on_global(void *data, struct wl_registry *registry, uint32_t name, const char *interface,
		      uint32_t version)
{
	struct seccontext *s = data;

	if (strcmp(interface, SECURITY_CONTEXT_MANAGER_NAME) != 0 || s->manager)
		return;
	s->manager = wl_registry_bind(registry, name, &wp_security_context_manager_v1_interface,
				      SECURITY_CONTEXT_VERSION);
}

static void on_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = { on_global, on_global_remove };

/* Logs why the compositor connection failed: a protocol error names its interface and code. */
static int log_display_error(struct seccontext *s, const char *during)
{
	const struct wl_interface *iface = NULL;
	int err = wl_display_get_error(s->display);
	uint32_t id = 0, code;

	if (err != EPROTO)
		return log_error_errno(err ? err : EPIPE, "lost the connection to the compositor %s %s",
				       s->display_name, during);
	code = wl_display_get_protocol_error(s->display, &iface, &id);
	log_error("the compositor %s rejected the security context %s: %s error %u (%s)", s->display_name,
		  during, iface ? iface->name : "unknown interface", code,
		  security_context_error_name(iface, code));
	return -EPROTO;
}

static int connect_compositor(struct seccontext *s)
{
	struct wl_registry *registry;

	s->display = wl_display_connect(s->opt.display);
	if (!s->display)
		return log_error_errno(errno ? errno : ENOENT,
				       "cannot connect to the host compositor %s (set WAYLAND_DISPLAY and "
				       "XDG_RUNTIME_DIR, or pass --display NAME|PATH)", s->display_name);
	registry = wl_display_get_registry(s->display);
	wl_registry_add_listener(registry, &registry_listener, s);
	if (wl_display_roundtrip(s->display) < 0)
		return log_display_error(s, "while listing its globals");
	wl_registry_destroy(registry);
	if (!s->manager) {
		log_error("the compositor %s does not offer %s (security-context-v1), so it could neither "
			  "restrict nor label VM %s's windows; refusing to hand the VM an unrestricted "
			  "connection. Run a compositor that supports security-context-v1, or turn the "
			  "VM's GPU off", s->display_name, SECURITY_CONTEXT_MANAGER_NAME, s->opt.vm);
		return -ENOTSUP;
	}
	return 0;
}

/*
 * The VM's listening socket, mode 0660: only its owner and its group may
 * connect (the desktop user and group vmsilo, which the GPU unit joins).
 */
static int listen_vm_socket(struct seccontext *s)
{
	struct stat st;
	mode_t old_umask;
	int fd;

	old_umask = umask(0117); /* the socket file: 0660 */
	fd = unix_listen(s->opt.socket_path, LISTEN_BACKLOG);
	umask(old_umask);
	if (fd == -EEXIST)
		return log_error_errno(fd, "cannot create the socket %s: a file that is not a socket is "
				       "in the way (remove it)", s->opt.socket_path);
	if (fd < 0)
		return log_error_errno(fd, "cannot listen on %s", s->opt.socket_path);
	if (stat(s->opt.socket_path, &st) == 0) {
		s->socket_created = true;
		s->socket_dev = st.st_dev;
		s->socket_ino = st.st_ino;
	}
	return fd;
}

static void send_string(struct wl_proxy *context, uint32_t opcode, const char *value)
{
	wl_proxy_marshal_flags(context, opcode, NULL, wl_proxy_get_version(context), 0, value);
}

static int create_context(struct seccontext *s)
{
	_cleanup_close_ int listen_fd = -1, close_read_fd = -1;
	int pipefd[2], r;
	struct wl_proxy *context;

	listen_fd = listen_vm_socket(s);
	if (listen_fd < 0)
		return listen_fd;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return log_error_errno(errno, "cannot create the close_fd pipe");
	close_read_fd = pipefd[0];
	s->close_write_fd = pipefd[1];

	/* libwayland duplicates the fds into its send buffer; ours close on return. */
	context = wl_proxy_marshal_flags(s->manager, SECURITY_CONTEXT_MANAGER_CREATE_LISTENER,
					 &wp_security_context_v1_interface, wl_proxy_get_version(s->manager),
					 0, NULL, listen_fd, close_read_fd);
	if (!context)
		return log_error_errno(ENOMEM, "cannot create the security context");
	send_string(context, SECURITY_CONTEXT_SET_SANDBOX_ENGINE, SANDBOX_ENGINE);
	send_string(context, SECURITY_CONTEXT_SET_APP_ID, s->opt.vm);
	send_string(context, SECURITY_CONTEXT_SET_INSTANCE_ID, s->opt.instance_id);
	wl_proxy_marshal_flags(context, SECURITY_CONTEXT_COMMIT, NULL, wl_proxy_get_version(context), 0);
	/* Round trip with the context alive, so an error names it (errors on destroyed ones do not). */
	if (wl_display_roundtrip(s->display) < 0) {
		r = log_display_error(s, "while creating it");
		wl_proxy_destroy(context);
		return r;
	}
	/* A committed listener outlives its context object and the manager. */
	wl_proxy_marshal_flags(context, SECURITY_CONTEXT_DESTROY, NULL, wl_proxy_get_version(context),
			       WL_MARSHAL_FLAG_DESTROY);
	wl_proxy_marshal_flags(s->manager, SECURITY_CONTEXT_MANAGER_DESTROY, NULL,
			       wl_proxy_get_version(s->manager), WL_MARSHAL_FLAG_DESTROY);
	s->manager = NULL;
	if (wl_display_flush(s->display) < 0)
		return log_display_error(s, "after creating it");
	return 0;
}

/* After set-up the compositor only acknowledges deletions; an error or a hang-up ends the program. */
static int on_display(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct seccontext *s = userdata;

	if (wl_display_dispatch(s->display) < 0) {
		log_display_error(s, "while the VM socket was in use");
		return sd_event_exit(sd_event_source_get_event(src), EXIT_FAILED);
	}
	return 0;
}

static int run(struct seccontext *s)
{
	_cleanup_(sd_event_unrefp) sd_event *event = NULL;
	sigset_t blocked;
	int r, code;

	r = sd_event_default(&event);
	if (r < 0)
		return log_error_errno(r, "cannot create the event loop");
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGINT);
	sigprocmask(SIG_BLOCK, &blocked, NULL);
	/* No handler: the loop exits with the userdata as its code, NULL being EXIT_STOPPED. */
	if ((r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL)) < 0 ||
	    (r = sd_event_add_signal(event, NULL, SIGINT, NULL, NULL)) < 0)
		return log_error_errno(r, "cannot watch SIGTERM/SIGINT");
	r = sd_event_add_io(event, NULL, wl_display_get_fd(s->display), EPOLLIN, on_display, s);
	if (r < 0)
		return log_error_errno(r, "cannot watch the compositor connection");

	log_info("VM %s: %s serves the compositor %s as app_id %s, instance_id %s", s->opt.vm,
		 s->opt.socket_path, s->display_name, s->opt.vm, s->opt.instance_id);
	sd_notifyf(false, "READY=1\nSTATUS=serving %s", s->opt.socket_path);
	/* after READY: sd_notify opens a socket, which the loop never needs */
	r = vmsilo_seccomp_install(s->opt.seccomp, allowed_syscalls, ARRAY_SIZE(allowed_syscalls), false);
	if (r < 0)
		return log_error_errno(r, "cannot install the system call filter (--seccomp off runs without)");
	code = sd_event_loop(event);
	if (code < 0)
		return log_error_errno(code, "event loop failed");
	return code == EXIT_STOPPED ? 0 : -EPIPE;
}

/* Ends the context: the compositor stops accepting when close_fd hangs up; the path goes too. */
static void teardown(struct seccontext *s)
{
	struct stat st;

	closep(&s->close_write_fd);
	if (s->socket_created && stat(s->opt.socket_path, &st) == 0 && st.st_dev == s->socket_dev &&
	    st.st_ino == s->socket_ino && unlink(s->opt.socket_path) < 0)
		log_warn_errno(errno, "cannot remove %s", s->opt.socket_path);
	if (s->manager)
		wl_proxy_destroy(s->manager);
	if (s->display)
		wl_display_disconnect(s->display);
}

int main(int argc, char **argv)
{
	struct seccontext s = { .close_write_fd = -1 };
	int r;

	log_init(argv[0]);
	seccontext_options_parse(argc, argv, &s.opt);
	s.display_name = s.opt.display ? s.opt.display : getenv("WAYLAND_DISPLAY");
	if (!s.display_name)
		s.display_name = "wayland-0";
	signal(SIGPIPE, SIG_IGN);

	r = connect_compositor(&s);
	if (r >= 0)
		r = create_context(&s);
	if (r >= 0)
		r = run(&s);
	teardown(&s);
	return r < 0 ? EXIT_FAILED : EXIT_STOPPED;
}
