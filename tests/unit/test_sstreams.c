/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sstreams.c: the index's catalogues, a catalogue's images as LXD makes
 * them (split and unified, their fingerprints, sizes, files), the order
 * and the aliases lxc shows, lookups, and what is refused or skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "sstreams.h"

#define H(c)                                                                                       \
	c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c  \
	    c c c c c c c c c c c c c c c c c c c

static const char cat_text[] =
    "{\"products\": {"
    " \"bb:1:amd64:default\": {\"aliases\": \"bb,bb/1\", \"arch\": \"amd64\", \"os\": \"Busybox\","
    "  \"release\": \"1\", \"release_title\": \"one\", \"versions\": {"
    "   \"20260101_00:00\": {\"items\": {"
    "    \"lxd.tar.xz\": {\"ftype\": \"lxd.tar.xz\", \"path\": \"old/lxd.tar.xz\", \"size\": 1,"
    "     \"sha256\": \"" H("1") "\", \"combined_squashfs_sha256\": \"" H(
	"2") "\"},"
	     "    \"root.squashfs\": {\"ftype\": \"squashfs\", \"path\": \"old/root.squashfs\","
	     "     \"size\": 10, \"sha256\": \"" H(
		 "3") "\"}}},"
		      "   \"20260202_00:00\": {\"items\": {"
		      "    \"lxd.tar.xz\": {\"ftype\": \"lxd.tar.xz\", \"path\": "
		      "\"new/lxd.tar.xz\", \"size\": 1,"
		      "     \"sha256\": \"" H("4") "\", \"combined_squashfs_sha256\": \"" H(
			  "5") "\","
			       "     \"combined_rootxz_sha256\": \"" H(
				   "6") "\"},"
					"    \"root.tar.xz\": {\"ftype\": \"root.tar.xz\", "
					"\"path\": \"new/root.tar.xz\", \"size\": 20,"
					"     \"sha256\": \"" H(
					    "7") "\"},"
						 "    \"root.squashfs\": {\"ftype\": \"squashfs\", "
						 "\"path\": \"new/root.squashfs\","
						 "     \"size\": 10, \"sha256\": \"" H(
						     "8") "\"},"
							  "    \"disk.qcow2\": {\"ftype\": "
							  "\"disk-kvm.img\", \"path\": "
							  "\"new/disk.qcow2\", \"size\": 5,"
							  "     \"sha256\": \"" H(
							      "9") "\"}}}}},"
								   " \"bb:1:arm64:default\": "
								   "{\"aliases\": \"bb\", "
								   "\"arch\": \"arm64\", "
								   "\"versions\": {"
								   "   \"20260303_00:00\": "
								   "{\"items\": {"
								   "    \"lxd_combined.tar.gz\": "
								   "{\"ftype\": "
								   "\"lxd_combined.tar.gz\", "
								   "\"path\": \"a/u.tar.gz\","
								   "     \"size\": 7, \"sha256\": "
								   "\"" H("a") "\"}}}}},"
									       " \"odd:1:sparc:"
									       "default\": "
									       "{\"aliases\": "
									       "\"odd\", \"arch\": "
									       "\"sparc\", "
									       "\"versions\": {"
									       "   "
									       "\"20260303_00:00\":"
									       " {\"items\": {"
									       "    "
									       "\"lxd_combined.tar."
									       "gz\": {\"ftype\": "
									       "\"lxd_combined.tar."
									       "gz\", \"path\": "
									       "\"o.tar.gz\","
									       "     \"size\": 7, "
									       "\"sha256\": \"" H(
										   "b") "\"}}}}}}}";

static struct json_object *parse(const char *s)
{
	struct json_object *o = NULL;
	struct lxf_err err = {0};

	assert_int_equal(lxf_json_parse(s, strlen(s), 64, &o, &err), 0);
	return o;
}

static const char *alias_at(struct json_object *img, size_t i)
{
	struct json_object *a = json_object_object_get(img, "aliases");

	return i < json_object_array_length(a)
		   ? lxf_json_str(json_object_array_get_idx(a, i), "name")
		   : NULL;
}

static void test_images(void **state)
{
	struct json_object *cat = parse(cat_text), *imgs = NULL, *img, *files;
	struct lxf_err err = {0};

	(void)state;
	assert_int_equal(lxf_ss_images(cat, "x86_64", &imgs, &err), 0);
	/* Newest first, squashfs before tarball; no VM, no unknown arch. */
	assert_int_equal(json_object_array_length(imgs), 4);
	img = json_object_array_get_idx(imgs, 0);
	assert_string_equal(lxf_json_str(img, "fingerprint"), H("a"));
	assert_string_equal(lxf_json_str(img, "architecture"), "aarch64");
	assert_string_equal(alias_at(img, 0), "bb/arm64"); /* not local: medium only */
	assert_null(alias_at(img, 1));
	img = json_object_array_get_idx(imgs, 1);
	assert_string_equal(lxf_json_str(img, "fingerprint"), H("5"));
	assert_int_equal(json_object_get_int64(json_object_object_get(img, "size")), 11);
	assert_string_equal(lxf_json_str(img, "filename"), "lxd.tar.xz");
	assert_string_equal(alias_at(img, 0), "bb");
	assert_string_equal(alias_at(img, 1), "bb/amd64");
	assert_string_equal(alias_at(img, 2), "bb/1");
	assert_string_equal(alias_at(img, 3), "bb/1/amd64");
	assert_string_equal(lxf_json_str(json_object_object_get(img, "properties"), "description"),
			    "Busybox one amd64 (20260202_00:00)");
	files = json_object_object_get(img, "files");
	assert_int_equal(json_object_array_length(files), 2);
	assert_string_equal(lxf_json_str(json_object_array_get_idx(files, 0), "path"),
			    "new/lxd.tar.xz");
	assert_string_equal(lxf_json_str(json_object_array_get_idx(files, 1), "sha256"), H("8"));
	img = json_object_array_get_idx(imgs, 2);
	assert_string_equal(lxf_json_str(img, "fingerprint"), H("6"));
	assert_null(alias_at(img, 0)); /* taken by the squashfs one */
	assert_string_equal(lxf_json_str(json_object_object_get(img, "properties"), "type"),
			    "root.tar.xz");
	img = json_object_array_get_idx(imgs, 3);
	assert_string_equal(lxf_json_str(img, "fingerprint"), H("2"));
	assert_int_equal(json_object_get_int64(json_object_object_get(img, "created_at")),
			 1767225600);

	assert_ptr_equal(lxf_ss_find(imgs, "bb", NULL), json_object_array_get_idx(imgs, 1));
	assert_ptr_equal(lxf_ss_find(imgs, "bb/arm64", NULL), json_object_array_get_idx(imgs, 0));
	assert_ptr_equal(lxf_ss_find(imgs, NULL, "2222"), json_object_array_get_idx(imgs, 3));
	assert_null(lxf_ss_find(imgs, "nosuch", NULL));
	assert_null(lxf_ss_find(imgs, NULL, "ffff"));
	json_object_put(imgs);
	json_object_put(cat);
}

static void test_refused(void **state)
{
	struct json_object *o =
	    parse("{\"index\": {\"a\": {\"datatype\": \"other\", \"path\": \"x\"}}}");
	struct json_object *out = NULL;
	struct lxf_err err = {0};

	(void)state;
	assert_int_equal(lxf_ss_index_paths(o, &out, &err), -LXF_EINVAL);
	assert_non_null(strstr(err.msg, "no image catalogue"));
	json_object_put(o);
	o = parse("{\"products\": 3}");
	assert_int_equal(lxf_ss_images(o, "x86_64", &out, &err), -LXF_EINVAL);
	assert_null(out);
	json_object_put(o);
	o = parse("{\"index\": {\"images\": {\"datatype\": \"image-downloads\","
		  " \"path\": \"streams/v1/images.json\"}}}");
	assert_int_equal(lxf_ss_index_paths(o, &out, &err), 0);
	assert_int_equal(json_object_array_length(out), 1);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(out, 0)),
			    "streams/v1/images.json");
	json_object_put(out);
	json_object_put(o);
	assert_string_equal(lxf_ss_arch("amd64"), "x86_64");
	assert_null(lxf_ss_arch("sparc"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_images),
	    cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
