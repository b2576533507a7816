// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cgroup path -> container, for every runtime layout vigil knows. Each path
 * says where its format comes from: the runtime, its cgroup driver and the
 * cgroup version, and the source that shows it (the code that builds the
 * name, or a real path another tool's tests recorded). cgroup v1 hierarchies
 * and v2 carry the same path below their mount, so one string stands for
 * both unless a comment says otherwise.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "container.h"

#define ID_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
/* Ids and pod uids seen in real paths (the sources named where they are used). */
#define ID_CONTAINERD "605439acbd4fb18c145069289094b17f17e0cfa938f78012d4960bc797305f22"
#define ID_CONTAINERD_2 "d52db56a9c80d536a91354c0951c061187ca46249e64865a12703003d8f42366"
#define ID_CRIO "73bfe475650de66df8e2affdc98d440dcbe84f8df83b6f75a68a82eb7026136a"
#define ID_CRIO_2 "17d8c9eacc629f9945f304d89e9708c0c619649a484a215b240628319548a09f"
#define ID_DOCKER "7951fb549ab99e0722a949b6c121634e1f3a36b5bacbe5392991e3b12251e6b8"
#define ID_PODMAN "9cc35a907a1e4e7ac8c021758b2bb28db60b3a787115f9114a641bf44f8ba99b"
#define ID_PODMAN_POD "71b289d2028f1c5a5557efaee6f352615311e199997f0ec2fa5b579876eb9e07"
#define ID_PODMAN_INFRA "6d6d61f09fc1c86833314aa7ed0065c087b707c3cf5687d5b5e9c7699d7dcc72"
#define ID_ROOTLESS "6938564e754ad86269a536ed19172af0eff5f7ff0a41eefc5b433a76f1f38f16"
#define ID_MOBY "4bc7d5c323f7071478f3bb6eec7f7e91d0738571f56ef8b0c22724a0b051a40f"

/* A pod uid as the cgroupfs driver writes it, and as the systemd driver does. */
#define POD_UID "ac04f3f2-1f2c-11e9-b015-1ebee232acfa"
#define POD_UID_SYSTEMD "ac04f3f2_1f2c_11e9_b015_1ebee232acfa"
#define POD_UID_2 "63b3ebfc-2890-11e9-8154-16bf8ef8d9dc"
#define POD_UID_2_SYSTEMD "63b3ebfc_2890_11e9_8154_16bf8ef8d9dc"
/* A static pod's uid: kubelet's md5 of the manifest (pkg/kubelet/config/common.go applyDefaults). */
#define POD_UID_STATIC "bd12dd3393227d950605a2444b13c27a"

static void assert_pod_container(const char *path, enum container_runtime runtime, const char *id,
				 const char *pod_uid)
{
	struct container_ref ref;

	memset(&ref, 'x', sizeof(ref));
	if (!container_from_cgroup_path(path, &ref))
		fail_msg("expected %s container %s in \"%s\", got host", container_runtime_name(runtime), id,
			 path);
	if (ref.runtime != runtime)
		fail_msg("expected runtime %s for \"%s\", got %s", container_runtime_name(runtime), path,
			 container_runtime_name(ref.runtime));
	assert_string_equal(ref.id, id);
	if (strcmp(ref.pod_uid, pod_uid) != 0)
		fail_msg("expected pod uid \"%s\" for \"%s\", got \"%s\"", pod_uid, path, ref.pod_uid);
}

/* A container that is in no pod (or whose pod the path does not name). */
static void assert_container(const char *path, enum container_runtime runtime, const char *id)
{
	assert_pod_container(path, runtime, id, "");
}

static void assert_host(const char *path)
{
	struct container_ref ref;

	/* Garbage first: the function must overwrite it for the host too. */
	memset(&ref, 'x', sizeof(ref));
	if (container_from_cgroup_path(path, &ref))
		fail_msg("expected host for \"%s\", got %s container %s", path,
			 container_runtime_name(ref.runtime), ref.id);
	assert_int_equal(ref.runtime, CONTAINER_RUNTIME_NONE);
	assert_string_equal(ref.id, "");
	assert_string_equal(ref.pod_uid, "");
}

static void test_docker_cgroupfs_layout(void **state)
{
	(void)state;
	/* Docker, cgroupfs driver, v1 and v2 (this machine: /sys/fs/cgroup/unified/docker/<id>). */
	assert_container("/docker/" ID_A, CONTAINER_RUNTIME_DOCKER, ID_A);
	assert_container("/docker/" ID_A "/", CONTAINER_RUNTIME_DOCKER, ID_A);
	/* Docker, cgroupfs, as recorded in Falco libs' matcher tests (docker_cgroupfs). */
	assert_container("/docker/" ID_DOCKER, CONTAINER_RUNTIME_DOCKER, ID_DOCKER);
	/* Docker on GitHub Actions runners, cgroupfs with --cgroup-parent actions_job (Tracee's matcher). */
	assert_container("/actions_job/" ID_DOCKER, CONTAINER_RUNTIME_DOCKER, ID_DOCKER);
}

static void test_docker_systemd_layout(void **state)
{
	(void)state;
	/* Docker, systemd driver, v1 and v2: moby's "system.slice:docker:<id>". */
	assert_container("/system.slice/docker-" ID_A ".scope", CONTAINER_RUNTIME_DOCKER, ID_A);
	/* Docker, systemd driver with cgroup-parent docker.slice (Falco libs' tests, docker_systemd). */
	assert_container("/docker.slice/docker-" ID_DOCKER ".scope", CONTAINER_RUNTIME_DOCKER, ID_DOCKER);
	/* Rootless Docker, systemd driver, v2: the user's systemd instance. */
	assert_container("/user.slice/user-1000.slice/user@1000.service/user.slice/docker-" ID_DOCKER ".scope",
			 CONTAINER_RUNTIME_DOCKER, ID_DOCKER);
}

static void test_kubernetes_with_docker(void **state)
{
	(void)state;
	/*
	 * kubelet systemd driver with dockershim / cri-dockerd (Docker's systemd
	 * driver), v1: "Kubernetes 1.23.5 w/Docker runtime" in CJLove/rt-operator
	 * notes/cgroupv1_notes.md; Falco's CRI layouts list docker-<id>.scope for
	 * cri-dockerd. Guaranteed QoS, then Burstable.
	 */
	assert_pod_container("/kubepods.slice/kubepods-pod" POD_UID_SYSTEMD ".slice/docker-" ID_DOCKER ".scope",
			     CONTAINER_RUNTIME_DOCKER, ID_DOCKER, POD_UID);
	assert_pod_container("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_UID_SYSTEMD
			     ".slice/docker-" ID_B ".scope",
			     CONTAINER_RUNTIME_DOCKER, ID_B, POD_UID);
}

static void test_containerd_cri_systemd_layout(void **state)
{
	(void)state;
	/*
	 * containerd CRI with SystemdCgroup = true, kubelet systemd driver, v1 and
	 * v2. kubelet names the pod slice (pkg/kubelet/cm cgroup_manager_linux.go:
	 * '-' in a name becomes '_', each level joined by '-'); containerd's
	 * getCgroupsPath gives runc "<pod slice>:cri-containerd:<id>", which runc's
	 * systemd driver turns into the scope cri-containerd-<id>.scope.
	 */
	assert_pod_container("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_UID_SYSTEMD
			     ".slice/cri-containerd-" ID_CONTAINERD ".scope",
			     CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD, POD_UID);
	assert_pod_container("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_UID_SYSTEMD
			     ".slice/cri-containerd-" ID_CONTAINERD ".scope",
			     CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD, POD_UID);
	/* Guaranteed QoS: the pod slice sits right in kubepods.slice. */
	assert_pod_container("/kubepods.slice/kubepods-pod" POD_UID_SYSTEMD ".slice/cri-containerd-" ID_CONTAINERD
			     ".scope",
			     CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD, POD_UID);
	/* A static pod (kube-apiserver, etcd): 32 hex digits, no separators. */
	assert_pod_container("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_UID_STATIC
			     ".slice/cri-containerd-" ID_CONTAINERD ".scope",
			     CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD, POD_UID_STATIC);
	/*
	 * Rootless kubelet on the user's systemd, v2, no QoS cgroups: the path in
	 * the commit that added kubelet's Rootless feature gate (Akihiro Suda,
	 * "kubelet: new feature gate: Rootless").
	 */
	assert_container("/user.slice/user-1001.slice/user@1001.service/user.slice/cri-containerd-" ID_ROOTLESS
			 ".scope",
			 CONTAINER_RUNTIME_CONTAINERD, ID_ROOTLESS);
	/* crun (and runc with a systemd init) work in a "container" child of the scope, v2. */
	assert_pod_container("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_UID_SYSTEMD
			     ".slice/cri-containerd-" ID_CONTAINERD ".scope/container",
			     CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD, POD_UID);
}

/* The case peers get wrong: the systemd driver's uid has underscores; vigil reports dashes. */
static void test_systemd_pod_uid_is_normalised_to_dashes(void **state)
{
	struct container_ref ref;
	(void)state;

	assert_true(container_from_cgroup_path("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
					       POD_UID_2_SYSTEMD ".slice/crio-" ID_CRIO_2 ".scope",
					       &ref));
	assert_string_equal(ref.pod_uid, POD_UID_2);
	assert_null(strchr(ref.pod_uid, '_'));
	/* Same pod, cgroupfs driver: the same uid. */
	assert_true(container_from_cgroup_path("/kubepods/besteffort/pod" POD_UID_2 "/crio-" ID_CRIO, &ref));
	assert_string_equal(ref.pod_uid, POD_UID_2);
}

static void test_containerd_cri_runc_cgroupfs_under_systemd_kubelet(void **state)
{
	(void)state;
	/*
	 * containerd CRI without SystemdCgroup = true under a kubelet with the
	 * systemd driver: containerd still writes "<pod slice>:cri-containerd:<id>"
	 * (getCgroupsPath: the parent ends in .slice), and runc's cgroupfs driver
	 * takes it as one relative folder name. Falco libs' matcher tests record
	 * it at the root (containerd_unknown), with a static pod; runc makes it
	 * relative to its own cgroup, containerd.service.
	 */
	assert_pod_container("/kubepods-burstable-pod" POD_UID_STATIC ".slice:cri-containerd:" ID_CONTAINERD_2,
			     CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD_2, POD_UID_STATIC);
	assert_pod_container("/system.slice/containerd.service/kubepods-besteffort-pod" POD_UID_SYSTEMD
			     ".slice:cri-containerd:" ID_CONTAINERD,
			     CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD, POD_UID);
	/* containerd only writes it after a slice name: anything else before the colon is no container. */
	assert_host("/:cri-containerd:" ID_CONTAINERD);
	assert_host("/system.slice/containerd.service/kubepods:cri-containerd:" ID_CONTAINERD);
	assert_host("/kubepods-burstable-pod" POD_UID_STATIC ".slice:cri-containerd:" ID_CONTAINERD_2 "0");
	assert_host("/kubepods-burstable-pod" POD_UID_STATIC ".slice:cri-containerd-" ID_CONTAINERD_2);
}

static void test_kubernetes_cgroupfs_layout(void **state)
{
	(void)state;
	/*
	 * kubelet cgroupfs driver, containerd CRI, v1 and v2: kubelet's
	 * kubepods/<qos>/pod<uid>, containerd's getCgroupsPath joins the id. The
	 * Besteffort path is recorded in Falco libs' tests (containerd_cgroupfs).
	 */
	assert_pod_container("/kubepods/besteffort/pod" POD_UID "/" ID_CONTAINERD, CONTAINER_RUNTIME_CONTAINERD,
			     ID_CONTAINERD, POD_UID);
	assert_pod_container("/kubepods/burstable/pod" POD_UID "/" ID_CONTAINERD, CONTAINER_RUNTIME_CONTAINERD,
			     ID_CONTAINERD, POD_UID);
	/* Guaranteed QoS: the pod sits right in kubepods. */
	assert_pod_container("/kubepods/pod" POD_UID "/" ID_CONTAINERD, CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD,
			     POD_UID);
	/* A static pod. */
	assert_pod_container("/kubepods/burstable/pod" POD_UID_STATIC "/" ID_CONTAINERD,
			     CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD, POD_UID_STATIC);
	/* kubelet --cgroup-root=/kubelet puts kubepods below it. */
	assert_pod_container("/kubelet/kubepods/besteffort/pod" POD_UID "/" ID_CONTAINERD,
			     CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD, POD_UID);
	/* A sub-cgroup of the container. */
	assert_pod_container("/kubepods/besteffort/pod" POD_UID "/" ID_CONTAINERD "/init",
			     CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD, POD_UID);
	/* The pod's and the QoS class's own cgroups are no container. */
	assert_host("/kubepods");
	assert_host("/kubepods/besteffort");
	assert_host("/kubepods/besteffort/pod" POD_UID);
	assert_host("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_UID_SYSTEMD ".slice");
	/* No pod cgroup around a bare id, no container: kubepods is no containerd namespace. */
	assert_host("/kubepods/" ID_CONTAINERD);
	assert_host("/kubepods/besteffort/" ID_CONTAINERD);
	/* There is no "guaranteed" folder, and the pod must be in kubepods. */
	assert_host("/kubepods/guaranteed/pod" POD_UID "/" ID_CONTAINERD);
	assert_host("/besteffort/pod" POD_UID "/" ID_CONTAINERD);
	assert_host("/other/besteffort/pod" POD_UID "/" ID_CONTAINERD);
	/* The cgroupfs driver writes the uid with dashes: underscores or upper case there are no pod. */
	assert_host("/kubepods/besteffort/pod" POD_UID_SYSTEMD "/" ID_CONTAINERD);
	assert_host("/kubepods/besteffort/podAC04F3F2-1F2C-11E9-B015-1EBEE232ACFA/" ID_CONTAINERD);
	assert_host("/kubepods/besteffort/pod/" ID_CONTAINERD);
	assert_host("/kubepods/besteffort/pod" POD_UID "0/" ID_CONTAINERD);
	assert_host("/kubepods/besteffort/" POD_UID "/" ID_CONTAINERD);
}

static void test_k3s(void **state)
{
	(void)state;
	/*
	 * k3s: its embedded containerd with kubelet's cgroupfs driver, v1 ("K3S
	 * (containerd runtime)" in CJLove/rt-operator notes/cgroupv1_notes.md:
	 * kubepods/podXXXXX/YYYYYYYYY) and v2.
	 */
	assert_pod_container("/kubepods/besteffort/pod" POD_UID "/" ID_CONTAINERD, CONTAINER_RUNTIME_CONTAINERD,
			     ID_CONTAINERD, POD_UID);
	assert_pod_container("/kubepods/pod" POD_UID_2 "/" ID_CONTAINERD_2, CONTAINER_RUNTIME_CONTAINERD,
			     ID_CONTAINERD_2, POD_UID_2);
	/* k3s on a systemd, cgroup v2 host: kubelet's systemd driver, containerd's systemd cgroups. */
	assert_pod_container("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_UID_SYSTEMD
			     ".slice/cri-containerd-" ID_CONTAINERD ".scope",
			     CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD, POD_UID);
	/* k3d: a k3s node in a Docker container with its own cgroup namespace. */
	assert_pod_container("/docker/" ID_DOCKER "/kubepods/besteffort/pod" POD_UID "/" ID_CONTAINERD,
			     CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD, POD_UID);
}

static void test_crio(void **state)
{
	(void)state;
	/*
	 * CRI-O, systemd driver, v1 and v2: internal/config/cgmgr/systemd_linux.go
	 * gives "<pod slice>:crio:<id>", the scope crio-<id>.scope. The path is
	 * recorded in Falco libs' tests (crio_systemd); "Kubernetes 1.25.0 w/cri-o
	 * runtime" in CJLove/rt-operator notes shows the Guaranteed form.
	 */
	assert_pod_container("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_UID_2_SYSTEMD
			     ".slice/crio-" ID_CRIO_2 ".scope",
			     CONTAINER_RUNTIME_CRIO, ID_CRIO_2, POD_UID_2);
	assert_pod_container("/kubepods.slice/kubepods-pod" POD_UID_2_SYSTEMD ".slice/crio-" ID_CRIO_2 ".scope",
			     CONTAINER_RUNTIME_CRIO, ID_CRIO_2, POD_UID_2);
	/* crun configures a "container" child of the scope (cgmgr: crunContainerCgroupManager), v2. */
	assert_pod_container("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_UID_2_SYSTEMD
			     ".slice/crio-" ID_CRIO_2 ".scope/container",
			     CONTAINER_RUNTIME_CRIO, ID_CRIO_2, POD_UID_2);
	/* The infra container's cgroupfs-style cgroup that CRI-O makes in the pod slice (CreateSandboxCgroup). */
	assert_pod_container("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_UID_2_SYSTEMD
			     ".slice/crio-" ID_CRIO,
			     CONTAINER_RUNTIME_CRIO, ID_CRIO, POD_UID_2);
	/* CRI-O, cgroupfs driver: <parent>/crio-<id> (cgroupfs_linux.go); Falco libs' tests, crio_cgroupfs. */
	assert_pod_container("/kubepods/besteffort/pod" POD_UID_2 "/crio-" ID_CRIO, CONTAINER_RUNTIME_CRIO, ID_CRIO,
			     POD_UID_2);
	/* CRI-O, cgroupfs driver, no pod parent given (crictl): the default parent /crio. */
	assert_container("/crio/crio-" ID_CRIO, CONTAINER_RUNTIME_CRIO, ID_CRIO);
	/* CRI-O, systemd driver, no parent: the default system.slice. */
	assert_container("/system.slice/crio-" ID_CRIO ".scope", CONTAINER_RUNTIME_CRIO, ID_CRIO);
	/* conmon, CRI-O's monitor, is a host process: crio-conmon-<id>.scope (systemd) or crio-conmon-<id>. */
	assert_host("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_UID_2_SYSTEMD
		    ".slice/crio-conmon-" ID_CRIO_2 ".scope");
	assert_host("/kubepods/besteffort/pod" POD_UID_2 "/crio-conmon-" ID_CRIO);
	assert_host("/system.slice/crio.service");
	/* A bare id under /crio is nothing CRI-O writes. */
	assert_host("/crio/" ID_CRIO);
}

static void test_podman(void **state)
{
	(void)state;
	/* Podman as root, systemd driver, v1 and v2: parent machine.slice (libpod SystemdDefaultCgroupParent). */
	assert_container("/machine.slice/libpod-" ID_PODMAN ".scope", CONTAINER_RUNTIME_PODMAN, ID_PODMAN);
	/* Falco libs' tests (root_libpod_scope, root_libpod_no_scope). */
	assert_container("/system.slice/libpod-" ID_PODMAN ".scope", CONTAINER_RUNTIME_PODMAN, ID_PODMAN);
	assert_container("/system.slice/libpod-" ID_PODMAN, CONTAINER_RUNTIME_PODMAN, ID_PODMAN);
	/* v2: the "container" child that crun and systemd-mode containers use (Falco's podman layouts). */
	assert_container("/machine.slice/libpod-" ID_PODMAN ".scope/container", CONTAINER_RUNTIME_PODMAN, ID_PODMAN);
	/* Rootless Podman, systemd driver, v2: the user's systemd instance. */
	assert_container("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID_PODMAN ".scope",
			 CONTAINER_RUNTIME_PODMAN, ID_PODMAN);
	/* Falco libs' tests, rootless_user_slice_libpod_no_scope. */
	assert_container("/user.slice/user-1000.slice/user@1000.service/libpod-" ID_PODMAN, CONTAINER_RUNTIME_PODMAN,
			 ID_PODMAN);
	/* A Podman pod, systemd driver: machine-libpod_pod_<pod id>.slice (podman pod inspect's CgroupPath). */
	assert_container("/machine.slice/machine-libpod_pod_" ID_PODMAN_POD ".slice/libpod-" ID_PODMAN_INFRA ".scope",
			 CONTAINER_RUNTIME_PODMAN, ID_PODMAN_INFRA);
	/* Podman, cgroupfs driver (no systemd, e.g. Alpine): /libpod_parent/libpod-<id>, and a pod's folder. */
	assert_container("/libpod_parent/libpod-" ID_PODMAN, CONTAINER_RUNTIME_PODMAN, ID_PODMAN);
	assert_container("/libpod_parent/" ID_PODMAN_POD "/libpod-" ID_PODMAN_INFRA, CONTAINER_RUNTIME_PODMAN,
			 ID_PODMAN_INFRA);
	/*
	 * --cgroups=split (Quadlet's default): the unit's cgroup holds the
	 * payload; Falco libs' tests record it with and without .scope
	 * (root_libpod_cgroup_mode_split_*).
	 */
	assert_container("/system.slice/system-ceph-f952f5be-565c-11f0-ab72-0affea283157.slice/"
			 "ceph-f952f5be-565c-11f0-ab72-0affea283157@mon.ip-10-0-25-96.service/libpod-payload-" ID_PODMAN,
			 CONTAINER_RUNTIME_PODMAN, ID_PODMAN);
	assert_container("/system.slice/system-ceph-f952f5be-565c-11f0-ab72-0affea283157.slice/"
			 "ceph-f952f5be-565c-11f0-ab72-0affea283157@mon.ip-10-0-25-96.service/libpod-payload-" ID_PODMAN
			 ".scope",
			 CONTAINER_RUNTIME_PODMAN, ID_PODMAN);
	assert_container("/user.slice/user-1000.slice/user@1000.service/app.slice/web.service/libpod-payload-" ID_PODMAN,
			 CONTAINER_RUNTIME_PODMAN, ID_PODMAN);
	/* conmon is a host process; the pod's own cgroups are no container. */
	assert_host("/machine.slice/libpod-conmon-" ID_PODMAN ".scope");
	assert_host("/machine.slice/machine-libpod_pod_" ID_PODMAN_POD ".slice");
	assert_host("/libpod_parent/" ID_PODMAN_POD);
	assert_host("/libpod_parent/" ID_PODMAN_POD "/conmon");
	/* Falco libs' tests: an id too long, a non-hex id, user@.service's init.scope. */
	assert_host("/user.slice/user-1000.slice/user@1000.service/libpod-" ID_PODMAN ID_PODMAN);
	assert_host("/user.slice/user-1000.slice/user@1000.service/libpod-" ID_PODMAN "g");
	assert_host("/user.slice/user-1000.slice/user@1000.service/init.scope");
}

static void test_containerd_namespaces(void **state)
{
	(void)state;
	/*
	 * containerd without CRI (ctr run, nerdctl on cgroupfs), v1 and v2: the
	 * default spec's cgroup path is /<namespace>/<id> (containerd oci/spec.go,
	 * populateDefaultUnixSpec). "default" is ctr's and nerdctl's namespace,
	 * "k8s.io" the CRI's, "moby" Docker's.
	 */
	assert_container("/default/" ID_CONTAINERD, CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD);
	assert_container("/k8s.io/" ID_CONTAINERD, CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD);
	assert_container("/moby/" ID_MOBY, CONTAINER_RUNTIME_CONTAINERD, ID_MOBY);
	/* Any name containerd's identifier rule allows (identifiers/validate.go); Falco's containerd_namespaced. */
	assert_container("/my_very_long_namespace-1.5/" ID_CONTAINERD, CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD);
	assert_container("/dockerx/" ID_A, CONTAINER_RUNTIME_CONTAINERD, ID_A);
	assert_container("/default/" ID_CONTAINERD "/sub", CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD);
	/* nerdctl, systemd driver: "system.slice:nerdctl:<id>" (nerdctl generateCgroupPath), rootless user.slice. */
	assert_container("/system.slice/nerdctl-" ID_CONTAINERD ".scope", CONTAINER_RUNTIME_CONTAINERD,
			 ID_CONTAINERD);
	assert_container("/user.slice/user-1000.slice/user@1000.service/user.slice/nerdctl-" ID_CONTAINERD ".scope",
			 CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD);
	/* ctr in a Docker container with its own cgroup namespace: the namespace tops the container's tree. */
	assert_container("/docker/" ID_DOCKER "/default/" ID_CONTAINERD, CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD);

	/* /docker/<id> stays Docker's. */
	assert_container("/docker/" ID_MOBY, CONTAINER_RUNTIME_DOCKER, ID_MOBY);
	/* Other runtimes' and kubelet's folders, and systemd units, are no namespaces. */
	assert_host("/system.slice/" ID_CONTAINERD);
	assert_host("/user.slice/" ID_CONTAINERD);
	assert_host("/machine.slice/" ID_CONTAINERD);
	assert_host("/init.scope/" ID_CONTAINERD);
	assert_host("/containerd.service/" ID_CONTAINERD);
	assert_host("/libpod_parent/" ID_CONTAINERD);
	/* Only at the top of a cgroup tree: deeper, a 64-hex folder is no containerd container (ECS: /ecs/<task>/<id>). */
	assert_host("/ecs/5a7f4e9c6b8d4f2e9a1b3c5d7e9f1a2b/" ID_DOCKER);
	assert_host("/a/b/" ID_CONTAINERD);
	assert_host("/system.slice/containerd.service/default/" ID_CONTAINERD);
	/* In a container, the same: deeper than the container's first sub-cgroup, the outer container stays. */
	assert_container("/docker/" ID_DOCKER "/x/default/" ID_CONTAINERD, CONTAINER_RUNTIME_DOCKER, ID_DOCKER);
	/* Names containerd refuses. */
	assert_host("/-default/" ID_CONTAINERD);
	assert_host("/default-/" ID_CONTAINERD);
	assert_host("/de..fault/" ID_CONTAINERD);
	assert_host("/.hidden/" ID_CONTAINERD);
	assert_host("/name space/" ID_CONTAINERD);
	assert_host("/default:x/" ID_CONTAINERD);
	/* A bare id at the root has no namespace. */
	assert_host("/" ID_CONTAINERD);
}

static void test_sub_cgroups_of_a_container(void **state)
{
	(void)state;
	assert_container("/docker/" ID_A "/init", CONTAINER_RUNTIME_DOCKER, ID_A);
	assert_container("/docker/" ID_A "/a/b/c", CONTAINER_RUNTIME_DOCKER, ID_A);
	assert_container("/system.slice/docker-" ID_A ".scope/init.scope", CONTAINER_RUNTIME_DOCKER, ID_A);
}

static void test_nested_containers_innermost_wins(void **state)
{
	(void)state;
	/* Docker-in-Docker, cgroupfs inside cgroupfs. */
	assert_container("/docker/" ID_A "/docker/" ID_B, CONTAINER_RUNTIME_DOCKER, ID_B);
	assert_container("/docker/" ID_A "/docker/" ID_B "/init", CONTAINER_RUNTIME_DOCKER, ID_B);
	/* A node container whose kubelet uses the systemd driver but a made-up pod name: no pod uid. */
	assert_container("/docker/" ID_A "/kubepods/burstable/pod42/docker-" ID_B ".scope", CONTAINER_RUNTIME_DOCKER,
			 ID_B);
	/*
	 * kind: a Docker container per node, kubelet with the systemd driver and
	 * --cgroup-root=/kubelet (kubelet.slice/kubelet-kubepods…), containerd
	 * CRI inside; cgroup v2, node on a cgroupfs and on a systemd Docker host.
	 */
	assert_pod_container("/docker/" ID_DOCKER "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
			     "kubelet-kubepods-besteffort-pod" POD_UID_SYSTEMD ".slice/cri-containerd-" ID_CONTAINERD ".scope",
			     CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD, POD_UID);
	assert_pod_container("/system.slice/docker-" ID_DOCKER ".scope/kubelet.slice/kubelet-kubepods.slice/"
			     "kubelet-kubepods-pod" POD_UID_SYSTEMD ".slice/cri-containerd-" ID_CONTAINERD ".scope",
			     CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD, POD_UID);
	/* Systemd outside, cgroupfs inside. */
	assert_container("/system.slice/docker-" ID_B ".scope/docker/" ID_A, CONTAINER_RUNTIME_DOCKER, ID_A);
	/* A sub-cgroup of the outer container that is no container keeps the outer one. */
	assert_container("/docker/" ID_A "/docker", CONTAINER_RUNTIME_DOCKER, ID_A);
	/* Docker-in-Docker in a pod: the pod's container has the pod; the inner one, Docker's, has none. */
	assert_pod_container("/kubepods/burstable/pod" POD_UID "/" ID_CONTAINERD "/docker", CONTAINER_RUNTIME_CONTAINERD,
			     ID_CONTAINERD, POD_UID);
	assert_container("/kubepods/burstable/pod" POD_UID "/" ID_CONTAINERD "/docker/" ID_DOCKER,
			 CONTAINER_RUNTIME_DOCKER, ID_DOCKER);
	/* Podman inside a CRI-O pod. */
	assert_container("/kubepods.slice/kubepods-pod" POD_UID_2_SYSTEMD ".slice/crio-" ID_CRIO ".scope/libpod_parent/libpod-"
			 ID_PODMAN,
			 CONTAINER_RUNTIME_PODMAN, ID_PODMAN);
}

static void test_pod_uid_only_from_kubelets_names(void **state)
{
	(void)state;
	/* A container the path finds whose parent is no well-formed pod slice: the container, no pod uid. */
	assert_container("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_UID
			 ".slice/cri-containerd-" ID_CONTAINERD ".scope",
			 CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD);
	assert_container("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podAC04F3F2_1F2C_11E9_B015_"
			 "1EBEE232ACFA.slice/cri-containerd-" ID_CONTAINERD ".scope",
			 CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD);
	assert_container("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_UID_SYSTEMD
			 "_.slice/cri-containerd-" ID_CONTAINERD ".scope",
			 CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD);
	assert_container("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_UID_SYSTEMD
			 ".scope/cri-containerd-" ID_CONTAINERD ".scope",
			 CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD);
	/* Not below kubepods: a slice that only looks like a pod. */
	assert_container("/machine.slice/machine-pod" POD_UID_SYSTEMD ".slice/libpod-" ID_PODMAN ".scope",
			 CONTAINER_RUNTIME_PODMAN, ID_PODMAN);
	assert_container("/xkubepods-pod" POD_UID_SYSTEMD ".slice/cri-containerd-" ID_CONTAINERD ".scope",
			 CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD);
	assert_container("/pod" POD_UID_SYSTEMD ".slice/cri-containerd-" ID_CONTAINERD ".scope",
			 CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD);
	assert_container("/kubepods-guaranteed-pod" POD_UID_SYSTEMD ".slice/cri-containerd-" ID_CONTAINERD ".scope",
			 CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD);
	/* The pod is the container's parent, not any ancestor. */
	assert_container("/kubepods.slice/kubepods-pod" POD_UID_SYSTEMD ".slice/extra/cri-containerd-" ID_CONTAINERD
			 ".scope",
			 CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD);
}

static void test_host_paths(void **state)
{
	(void)state;
	assert_host("");
	assert_host("/");
	assert_host("//");
	assert_host("/user.slice/user-1000.slice/session-2.scope");
	assert_host("/user.slice/user-1000.slice/user@1000.service/app.slice/dbus.service");
	assert_host("/system.slice/docker.service");
	assert_host("/system.slice/containerd.service");
	assert_host("/system.slice/kubelet.service");
	assert_host("/system.slice/docker-" "abc" ".scope");
	assert_host("/docker");
	assert_host("/docker/");
	assert_host("/init.scope");
	assert_host("/machine.slice");
	assert_host("/kubepods.slice");
	assert_host(NULL);
}

static void test_malformed_ids_are_host(void **state)
{
	char upper[] = "/docker/" ID_A;
	(void)state;

	/* 63 and 65 hex digits, in every layout. */
	assert_host("/docker/" "123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	assert_host("/docker/" ID_A "0");
	assert_host("/system.slice/docker-" "123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		    ".scope");
	assert_host("/system.slice/docker-" ID_A "0.scope");
	assert_host("/system.slice/cri-containerd-" ID_A "0.scope");
	assert_host("/system.slice/cri-containerd-" "123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		    ".scope");
	assert_host("/system.slice/crio-" ID_A "0.scope");
	assert_host("/crio/crio-" "123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	assert_host("/machine.slice/libpod-" ID_A "0.scope");
	assert_host("/default/" ID_A "0");
	assert_host("/kubepods/besteffort/pod" POD_UID "/" "123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	/* Upper case is not what any runtime writes. */
	for (char *p = upper + strlen("/docker/"); *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	assert_host(upper);
	assert_host("/system.slice/cri-containerd-0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef.scope");
	/* Not hex. */
	assert_host("/docker/" "g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	assert_host("/docker/" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde-");
	/* Wrong parent, prefix or suffix. */
	assert_host("/a/dockerx/" ID_A);
	assert_host("/a/xdocker/" ID_A);
	assert_host("/" ID_A);
	assert_host("/system.slice/docker_" ID_A ".scope");
	assert_host("/system.slice/docker-" ID_A ".scop");
	assert_host("/system.slice/docker-" ID_A ".scopex");
	assert_host("/system.slice/docker-" ID_A);
	assert_host("/system.slice/xdocker-" ID_A ".scope");
	assert_host("/system.slice/containerd-" ID_A ".scope");
	assert_host("/system.slice/cri-containerd-" ID_A);
	assert_host("/system.slice/xcrio-" ID_A ".scope");
	assert_host("/system.slice/crio-" ID_A ".slice");
	assert_host("/machine.slice/libpod-" ID_A ".slice");
	assert_host("/machine.slice/libpod-payload" ID_A);
	/* Only the path's own '/' separates: an id running into the next component is no id. */
	assert_host("/docker/" ID_A "x/init");
}

static void test_id_with_embedded_nul_stops_at_nul(void **state)
{
	char path[] = "/docker/" ID_A;
	char pod_path[] = "/kubepods/besteffort/pod" POD_UID "/" ID_CONTAINERD;
	(void)state;

	path[sizeof(path) - 2] = '\0';
	assert_host(path);
	/* A NUL inside the pod uid: no pod, so no container in the bare-id layout. */
	pod_path[strlen("/kubepods/besteffort/pod") + 4] = '\0';
	assert_host(pod_path);
}

static void test_very_long_paths(void **state)
{
	(void)state;
	/* Deep: a thousand components above the container, and one huge name. */
	const size_t depth = 1000;
	size_t size = depth * 4 + 200000 + 200;
	char *path = malloc(size);
	size_t len = 0;

	assert_non_null(path);
	for (size_t i = 0; i < depth; i++)
		len += (size_t)snprintf(path + len, size - len, "/a%zu", i % 10);
	len += (size_t)snprintf(path + len, size - len, "/docker/%s", ID_B);
	assert_container(path, CONTAINER_RUNTIME_DOCKER, ID_B);

	path[len] = '/';
	memset(path + len + 1, 'f', 200000);
	path[len + 1 + 200000] = '\0';
	/* A 200000-byte sub-cgroup name below the container. */
	assert_container(path, CONTAINER_RUNTIME_DOCKER, ID_B);

	/* A 200000-digit "id" is no id. */
	memcpy(path, "/docker/", 8);
	memset(path + 8, 'a', 200000);
	path[8 + 200000] = '\0';
	assert_host(path);

	/* A huge slice name ending like a pod's, and a huge lead before ":cri-containerd:". */
	len = (size_t)snprintf(path, size, "/");
	memset(path + len, '-', 100000);
	len += 100000;
	len += (size_t)snprintf(path + len, size - len, "kubepods-pod%s.slice:cri-containerd:%s", POD_UID_SYSTEMD,
				ID_CONTAINERD);
	assert_pod_container(path, CONTAINER_RUNTIME_CONTAINERD, ID_CONTAINERD, POD_UID);
	free(path);
}

static void test_runtime_names(void **state)
{
	(void)state;
	assert_string_equal(container_runtime_name(CONTAINER_RUNTIME_NONE), "host");
	assert_string_equal(container_runtime_name(CONTAINER_RUNTIME_DOCKER), "docker");
	assert_string_equal(container_runtime_name(CONTAINER_RUNTIME_CONTAINERD), "containerd");
	assert_string_equal(container_runtime_name(CONTAINER_RUNTIME_CRIO), "cri-o");
	assert_string_equal(container_runtime_name(CONTAINER_RUNTIME_PODMAN), "podman");
	assert_string_equal(container_runtime_name((enum container_runtime)1000), "unknown");
	/* Values other code and recorded captures may hold. */
	assert_int_equal(CONTAINER_RUNTIME_NONE, 0);
	assert_int_equal(CONTAINER_RUNTIME_DOCKER, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_cgroupfs_layout),
		cmocka_unit_test(test_docker_systemd_layout),
		cmocka_unit_test(test_kubernetes_with_docker),
		cmocka_unit_test(test_containerd_cri_systemd_layout),
		cmocka_unit_test(test_systemd_pod_uid_is_normalised_to_dashes),
		cmocka_unit_test(test_containerd_cri_runc_cgroupfs_under_systemd_kubelet),
		cmocka_unit_test(test_kubernetes_cgroupfs_layout),
		cmocka_unit_test(test_k3s),
		cmocka_unit_test(test_crio),
		cmocka_unit_test(test_podman),
		cmocka_unit_test(test_containerd_namespaces),
		cmocka_unit_test(test_sub_cgroups_of_a_container),
		cmocka_unit_test(test_nested_containers_innermost_wins),
		cmocka_unit_test(test_pod_uid_only_from_kubelets_names),
		cmocka_unit_test(test_host_paths),
		cmocka_unit_test(test_malformed_ids_are_host),
		cmocka_unit_test(test_id_with_embedded_nul_stops_at_nul),
		cmocka_unit_test(test_very_long_paths),
		cmocka_unit_test(test_runtime_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
