// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The vshare developers
 *
 * vshare_vulkan: Vulkan imports vshare buffers (issue 18). lavapipe, Mesa's
 * Vulkan driver on the CPU, imports vshare dma-bufs as buffers and as
 * LINEAR images (VK_EXT_image_drm_format_modifier), reads them with
 * transfer commands and writes them with vkCmdFillBuffer; vshare imports
 * memory lavapipe exports; and a sync_file exported from a busy vshare
 * dma-buf, imported as a semaphore, holds lavapipe's copy back until the
 * engine job writing the buffer is done, where a copy without it reads the
 * old contents. What Vulkan reads is compared byte for byte with what was
 * written, what it writes by the kernel's CRC-32 (ACCESS CRC32).
 *
 * Like vshare_mesa this test links the Vulkan loader dynamically: it runs
 * in the guest root, which has it and lavapipe (mesa-vulkan-drivers).
 * Under qemu TCG the first Mesa program of a boot takes tens of seconds to
 * start; buffers are kept small.
 */

/**
 * TEST: vshare vulkan
 * Category: Core
 * Description: Vulkan (lavapipe) imports and exports dma-bufs with vshare,
 *	and waits for vshare's engine through a sync_file of the dma-buf.
 *
 * SUBTEST: memory-fd-properties
 * Description: vkGetMemoryFdPropertiesKHR accepts a vshare dma-buf and
 *	gives memory types for it; lavapipe says DMA_BUF buffers import.
 *
 * SUBTEST: import-buffer
 * Description: A read-write vshare dma-buf, written through vshare's
 *	mmap, imported as a VkBuffer: vkCmdCopyBuffer of all of it, and of a
 *	range at an unaligned offset, into a host buffer gives every byte.
 *
 * SUBTEST: import-image
 * Description: The same as a 256x256 B8G8R8A8 (XRGB8888) LINEAR image
 *	with an explicit pitch wider than its rows: vkCmdCopyImageToBuffer
 *	gives every pixel, and none of the padding.
 *
 * SUBTEST: gpu-write
 * Description: vkCmdFillBuffer over a range of an imported vshare buffer:
 *	after the queue is done, the kernel's CRC-32 of the whole buffer is
 *	that of the fill over the kernel's own fill.
 *
 * SUBTEST: export-to-vshare
 * Description: Memory lavapipe exports as a dma-buf (from udmabuf) and
 *	fills is imported by vshare, whose CRC-32 sees the fill; a range the
 *	kernel fills then reads back through Vulkan's mapping.
 *
 * SUBTEST: implicit-fence
 * Description: A sync_file exported from a vshare dma-buf while a delayed
 *	engine job writes it, imported as a temporary semaphore, holds back
 *	the copy that waits on it, which then reads the job's contents; a copy
 *	without it, done while the next job is still pending (checked on the
 *	sync_file before and after), reads the old contents.
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <vulkan/vulkan.h>

#include <drm_fourcc.h>

#include "drmtest.h"
#include "igt.h"
#include "vshare_lib.h"

#define WIDTH	256
#define HEIGHT	256
#define SIZE	(64 * 1024)
/* Whatever the machine, a queue that takes longer than this is stuck. */
#define FENCE_TIMEOUT_NS	(120 * 1000000000ull)

#define DMA_BUF_TYPE	VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT

#define HOST_MEMORY	(VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |		\
			 VK_MEMORY_PROPERTY_HOST_COHERENT_BIT)

struct vk {
	VkInstance instance;
	VkPhysicalDevice pdev;
	VkDevice dev;
	VkQueue queue;
	uint32_t family;
	VkCommandPool pool;
	VkPhysicalDeviceMemoryProperties mem;
	bool modifiers;		/* VK_EXT_image_drm_format_modifier */
	bool foreign;		/* VK_EXT_queue_family_foreign */
	bool semaphore_fd;	/* VK_KHR_external_semaphore_fd */
	PFN_vkGetMemoryFdKHR get_memory_fd;
	PFN_vkGetMemoryFdPropertiesKHR get_memory_fd_properties;
	PFN_vkImportSemaphoreFdKHR import_semaphore_fd;
	PFN_vkGetImageDrmFormatModifierPropertiesEXT get_image_modifier;
};

/* A buffer and its own memory; @map for host buffers and exports. */
struct vk_buffer {
	VkBuffer buffer;
	VkDeviceMemory memory;
	VkDeviceSize size;
	void *map;
};

/* A command buffer on its way through the queue. */
struct vk_submission {
	VkCommandBuffer cmd;
	VkFence fence;
};

#define vk_assert(expr)							\
	do {								\
		VkResult __res = (expr);				\
		igt_assert_f(__res == VK_SUCCESS, "%s: VkResult %d\n",	\
			     #expr, __res);				\
	} while (0)

static bool has_extension(const VkExtensionProperties *exts, uint32_t count,
			  const char *name)
{
	uint32_t i;

	for (i = 0; i < count; i++)
		if (!strcmp(exts[i].extensionName, name))
			return true;
	return false;
}

/* lavapipe, among the physical devices the loader found. */
static VkPhysicalDevice find_lavapipe(VkInstance instance)
{
	VkPhysicalDevice pdevs[16], found = VK_NULL_HANDLE;
	uint32_t count = 16, i;
	VkResult res;
	int saved;

	/* Other ICDs may say on stderr why they found no device. */
	saved = stderr_mute();
	res = vkEnumeratePhysicalDevices(instance, &count, pdevs);
	stderr_restore(saved);
	igt_assert_f(res == VK_SUCCESS || res == VK_INCOMPLETE,
		     "vkEnumeratePhysicalDevices: VkResult %d\n", res);
	for (i = 0; i < count && !found; i++) {
		VkPhysicalDeviceDriverProperties driver = {
			.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES,
		};
		VkPhysicalDeviceProperties2 props = {
			.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
			.pNext = &driver,
		};

		vkGetPhysicalDeviceProperties2(pdevs[i], &props);
		if (driver.driverID != VK_DRIVER_ID_MESA_LLVMPIPE)
			continue;
		igt_info("Vulkan device: %s, %s (Vulkan %u.%u)\n",
			 props.properties.deviceName, driver.driverInfo,
			 VK_API_VERSION_MAJOR(props.properties.apiVersion),
			 VK_API_VERSION_MINOR(props.properties.apiVersion));
		found = pdevs[i];
	}
	igt_require_f(found, "no lavapipe among %u Vulkan devices\n", count);
	return found;
}

static void vk_init(struct vk *vk)
{
	const VkApplicationInfo app = {
		.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
		.pApplicationName = "vshare_vulkan",
		.apiVersion = VK_API_VERSION_1_2,
	};
	const VkInstanceCreateInfo instance_info = {
		.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
		.pApplicationInfo = &app,
	};
	const float priority = 1.0f;
	VkDeviceQueueCreateInfo queue_info = {
		.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
		.queueCount = 1,
		.pQueuePriorities = &priority,
	};
	const char *enabled[8];
	VkDeviceCreateInfo device_info = {
		.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
		.queueCreateInfoCount = 1,
		.pQueueCreateInfos = &queue_info,
		.ppEnabledExtensionNames = enabled,
	};
	const VkCommandPoolCreateInfo pool_info = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
		.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
	};
	VkQueueFamilyProperties families[8];
	VkExtensionProperties *exts;
	uint32_t count = 0, i;
	double start = now_ms();
	VkResult res;
	int saved;

	memset(vk, 0, sizeof(*vk));
	saved = stderr_mute();
	res = vkCreateInstance(&instance_info, NULL, &vk->instance);
	stderr_restore(saved);
	igt_require_f(res == VK_SUCCESS,
		      "no Vulkan instance (VkResult %d): no loader or ICD\n",
		      res);
	vk->pdev = find_lavapipe(vk->instance);

	vk_assert(vkEnumerateDeviceExtensionProperties(vk->pdev, NULL, &count,
						       NULL));
	exts = calloc(count, sizeof(*exts));
	igt_assert(exts);
	vk_assert(vkEnumerateDeviceExtensionProperties(vk->pdev, NULL, &count,
						       exts));
#define ENABLE(name) (has_extension(exts, count, name) &&		\
		      (enabled[device_info.enabledExtensionCount++] = name))
	igt_require_f(ENABLE(VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME) &&
		      ENABLE(VK_EXT_EXTERNAL_MEMORY_DMA_BUF_EXTENSION_NAME),
		      "lavapipe has no VK_EXT_external_memory_dma_buf\n");
	vk->modifiers = ENABLE(VK_EXT_IMAGE_DRM_FORMAT_MODIFIER_EXTENSION_NAME);
	vk->foreign = ENABLE(VK_EXT_QUEUE_FAMILY_FOREIGN_EXTENSION_NAME);
	vk->semaphore_fd = ENABLE(VK_KHR_EXTERNAL_SEMAPHORE_FD_EXTENSION_NAME);
#undef ENABLE
	free(exts);
	igt_info("VK_EXT_image_drm_format_modifier: %s, "
		 "VK_KHR_external_semaphore_fd: %s\n",
		 vk->modifiers ? "yes" : "no", vk->semaphore_fd ? "yes" : "no");

	count = 8;
	vkGetPhysicalDeviceQueueFamilyProperties(vk->pdev, &count, families);
	for (i = 0; i < count; i++)
		if (families[i].queueFlags & (VK_QUEUE_GRAPHICS_BIT |
					      VK_QUEUE_COMPUTE_BIT |
					      VK_QUEUE_TRANSFER_BIT))
			break;
	igt_assert_f(i < count, "no queue family for transfers\n");
	vk->family = queue_info.queueFamilyIndex = i;

	saved = stderr_mute();
	res = vkCreateDevice(vk->pdev, &device_info, NULL, &vk->dev);
	stderr_restore(saved);
	vk_assert(res);
	vkGetDeviceQueue(vk->dev, vk->family, 0, &vk->queue);
	vkGetPhysicalDeviceMemoryProperties(vk->pdev, &vk->mem);
	vk_assert(vkCreateCommandPool(vk->dev, &pool_info, NULL, &vk->pool));

	vk->get_memory_fd = (PFN_vkGetMemoryFdKHR)
		vkGetDeviceProcAddr(vk->dev, "vkGetMemoryFdKHR");
	vk->get_memory_fd_properties = (PFN_vkGetMemoryFdPropertiesKHR)
		vkGetDeviceProcAddr(vk->dev, "vkGetMemoryFdPropertiesKHR");
	igt_assert(vk->get_memory_fd && vk->get_memory_fd_properties);
	/* Those of optional extensions: the subtests that use them check. */
	if (vk->semaphore_fd)
		vk->import_semaphore_fd = (PFN_vkImportSemaphoreFdKHR)
			vkGetDeviceProcAddr(vk->dev, "vkImportSemaphoreFdKHR");
	if (vk->modifiers)
		vk->get_image_modifier =
			(PFN_vkGetImageDrmFormatModifierPropertiesEXT)
			vkGetDeviceProcAddr(vk->dev,
					    "vkGetImageDrmFormatModifierPropertiesEXT");
	igt_info("lavapipe up in %.1f s\n", (now_ms() - start) / 1000);
}

static void vk_fini(struct vk *vk)
{
	if (vk->pool)
		vkDestroyCommandPool(vk->dev, vk->pool, NULL);
	if (vk->dev)
		vkDestroyDevice(vk->dev, NULL);
	if (vk->instance)
		vkDestroyInstance(vk->instance, NULL);
	memset(vk, 0, sizeof(*vk));
}

/* The first memory type of @bits with all of @flags. */
static uint32_t memory_type(const struct vk *vk, uint32_t bits,
			    VkMemoryPropertyFlags flags)
{
	uint32_t i;

	for (i = 0; i < vk->mem.memoryTypeCount; i++)
		if (bits & 1u << i &&
		    (vk->mem.memoryTypes[i].propertyFlags & flags) == flags)
			return i;
	igt_assert_f(false, "no memory type in %#x with flags %#x\n", bits,
		     flags);
	return 0;
}

/* Where external memory comes from and goes back to. */
static uint32_t external_family(const struct vk *vk)
{
	return vk->foreign ? VK_QUEUE_FAMILY_FOREIGN_EXT :
			     VK_QUEUE_FAMILY_EXTERNAL;
}

static VkBuffer buffer_create(struct vk *vk, VkDeviceSize size,
			      VkBufferUsageFlags usage, bool external)
{
	const VkExternalMemoryBufferCreateInfo ext = {
		.sType = VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO,
		.handleTypes = DMA_BUF_TYPE,
	};
	const VkBufferCreateInfo info = {
		.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
		.pNext = external ? &ext : NULL,
		.size = size,
		.usage = usage,
		.sharingMode = VK_SHARING_MODE_EXCLUSIVE,
	};
	VkBuffer buffer;

	vk_assert(vkCreateBuffer(vk->dev, &info, NULL, &buffer));
	return buffer;
}

/* A mapped buffer of the host's memory, for transfers to and from. */
static void host_buffer(struct vk *vk, VkDeviceSize size, struct vk_buffer *b)
{
	VkMemoryRequirements req;
	VkMemoryAllocateInfo alloc = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
	};

	b->size = size;
	b->buffer = buffer_create(vk, size, VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
				  VK_BUFFER_USAGE_TRANSFER_DST_BIT, false);
	vkGetBufferMemoryRequirements(vk->dev, b->buffer, &req);
	alloc.allocationSize = req.size;
	alloc.memoryTypeIndex = memory_type(vk, req.memoryTypeBits,
					    HOST_MEMORY);
	vk_assert(vkAllocateMemory(vk->dev, &alloc, NULL, &b->memory));
	vk_assert(vkBindBufferMemory(vk->dev, b->buffer, b->memory, 0));
	vk_assert(vkMapMemory(vk->dev, b->memory, 0, VK_WHOLE_SIZE, 0,
			      &b->map));
}

static void buffer_destroy(struct vk *vk, struct vk_buffer *b)
{
	if (b->map)
		vkUnmapMemory(vk->dev, b->memory);
	vkDestroyBuffer(vk->dev, b->buffer, NULL);
	vkFreeMemory(vk->dev, b->memory, NULL);
	memset(b, 0, sizeof(*b));
}

/*
 * Imports a dma-buf as the memory of @buffer or @image (one of them), a
 * dedicated allocation of @req's size. The memory owns a duplicate of
 * @dmabuf once imported. Returns the memory.
 */
static VkDeviceMemory import_memory(struct vk *vk, int dmabuf,
				    const VkMemoryRequirements *req,
				    VkBuffer buffer, VkImage image)
{
	VkMemoryFdPropertiesKHR fd_props = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_FD_PROPERTIES_KHR,
	};
	VkMemoryDedicatedAllocateInfo dedicated = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_DEDICATED_ALLOCATE_INFO,
		.buffer = buffer,
		.image = image,
	};
	VkImportMemoryFdInfoKHR import = {
		.sType = VK_STRUCTURE_TYPE_IMPORT_MEMORY_FD_INFO_KHR,
		.pNext = &dedicated,
		.handleType = DMA_BUF_TYPE,
	};
	VkMemoryAllocateInfo alloc = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
		.pNext = &import,
		.allocationSize = req->size,
	};
	VkDeviceMemory memory;
	VkResult res;

	vk_assert(vk->get_memory_fd_properties(vk->dev, DMA_BUF_TYPE, dmabuf,
					       &fd_props));
	alloc.memoryTypeIndex = memory_type(vk, req->memoryTypeBits &
					    fd_props.memoryTypeBits, 0);
	import.fd = dup(dmabuf);
	igt_assert_lte(0, import.fd);
	res = vkAllocateMemory(vk->dev, &alloc, NULL, &memory);
	if (res != VK_SUCCESS)
		close(import.fd);	/* still ours */
	igt_assert_f(res == VK_SUCCESS, "importing the dma-buf: VkResult %d\n",
		     res);
	return memory;
}

/* A dma-buf of @size bytes or more, as a VkBuffer. */
static void import_buffer(struct vk *vk, int dmabuf, VkDeviceSize size,
			  struct vk_buffer *b)
{
	VkMemoryRequirements req;

	b->size = size;
	b->map = NULL;
	b->buffer = buffer_create(vk, size, VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
				  VK_BUFFER_USAGE_TRANSFER_DST_BIT, true);
	vkGetBufferMemoryRequirements(vk->dev, b->buffer, &req);
	igt_assert_f(lseek(dmabuf, 0, SEEK_END) >= (off_t)req.size,
		     "the dma-buf is smaller than the buffer\n");
	b->memory = import_memory(vk, dmabuf, &req, b->buffer, VK_NULL_HANDLE);
	vk_assert(vkBindBufferMemory(vk->dev, b->buffer, b->memory, 0));
}

static VkCommandBuffer cmd_begin(struct vk *vk)
{
	const VkCommandBufferAllocateInfo alloc = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
		.commandPool = vk->pool,
		.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
		.commandBufferCount = 1,
	};
	const VkCommandBufferBeginInfo begin = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
		.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
	};
	VkCommandBuffer cmd;

	vk_assert(vkAllocateCommandBuffers(vk->dev, &alloc, &cmd));
	vk_assert(vkBeginCommandBuffer(cmd, &begin));
	return cmd;
}

/* Ends @cmd and submits it, after @wait if that is not VK_NULL_HANDLE. */
static struct vk_submission cmd_submit(struct vk *vk, VkCommandBuffer cmd,
				       VkSemaphore wait)
{
	const VkFenceCreateInfo fence_info = {
		.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO,
	};
	const VkPipelineStageFlags stage = VK_PIPELINE_STAGE_TRANSFER_BIT;
	struct vk_submission sub = { .cmd = cmd };
	const VkSubmitInfo submit = {
		.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
		.waitSemaphoreCount = wait != VK_NULL_HANDLE,
		.pWaitSemaphores = &wait,
		.pWaitDstStageMask = &stage,
		.commandBufferCount = 1,
		.pCommandBuffers = &sub.cmd,
	};

	vk_assert(vkEndCommandBuffer(cmd));
	vk_assert(vkCreateFence(vk->dev, &fence_info, NULL, &sub.fence));
	vk_assert(vkQueueSubmit(vk->queue, 1, &submit, sub.fence));
	return sub;
}

static void submission_wait(struct vk *vk, struct vk_submission *sub)
{
	vk_assert(vkWaitForFences(vk->dev, 1, &sub->fence, VK_TRUE,
				  FENCE_TIMEOUT_NS));
	vkDestroyFence(vk->dev, sub->fence, NULL);
	vkFreeCommandBuffers(vk->dev, vk->pool, 1, &sub->cmd);
}

static void cmd_run(struct vk *vk, VkCommandBuffer cmd)
{
	struct vk_submission sub = cmd_submit(vk, cmd, VK_NULL_HANDLE);

	submission_wait(vk, &sub);
}

/*
 * Ownership of an imported buffer: acquired from the external world
 * before transfers use it, released to it after they wrote it.
 */
static void buffer_ownership(struct vk *vk, VkCommandBuffer cmd,
			     VkBuffer buffer, bool acquire)
{
	VkBufferMemoryBarrier barrier = {
		.sType = VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER,
		.srcAccessMask = acquire ? 0 : VK_ACCESS_TRANSFER_WRITE_BIT,
		.dstAccessMask = acquire ? VK_ACCESS_TRANSFER_READ_BIT |
					   VK_ACCESS_TRANSFER_WRITE_BIT : 0,
		.srcQueueFamilyIndex = acquire ? external_family(vk) :
						 vk->family,
		.dstQueueFamilyIndex = acquire ? vk->family :
						 external_family(vk),
		.buffer = buffer,
		.size = VK_WHOLE_SIZE,
	};

	vkCmdPipelineBarrier(cmd, acquire ? VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT :
			     VK_PIPELINE_STAGE_TRANSFER_BIT,
			     acquire ? VK_PIPELINE_STAGE_TRANSFER_BIT :
			     VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT,
			     0, 0, NULL, 1, &barrier, 0, NULL);
}

/* What transfers wrote becomes visible to the host. */
static void host_read_barrier(VkCommandBuffer cmd)
{
	const VkMemoryBarrier barrier = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
		.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
		.dstAccessMask = VK_ACCESS_HOST_READ_BIT,
	};

	vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT,
			     VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &barrier, 0,
			     NULL, 0, NULL);
}

/* Records a copy of @size bytes of @src at @offset to the start of @dst. */
static VkCommandBuffer copy_cmd(struct vk *vk, const struct vk_buffer *src,
				VkDeviceSize offset, VkDeviceSize size,
				const struct vk_buffer *dst)
{
	const VkBufferCopy region = { .srcOffset = offset, .size = size };
	VkCommandBuffer cmd = cmd_begin(vk);

	buffer_ownership(vk, cmd, src->buffer, true);
	vkCmdCopyBuffer(cmd, src->buffer, dst->buffer, 1, &region);
	host_read_barrier(cmd);
	return cmd;
}

/* A vshare buffer of @size bytes in the @seed pattern, and its dma-buf. */
static uint32_t pattern_buffer(int vs, uint64_t size, uint32_t seed,
			       int *dmabuf)
{
	uint32_t handle = vshare_create(vs, size);
	void *map = vshare_mmap(vs, handle, size, PROT_READ | PROT_WRITE);

	fill_pattern(map, size, seed);
	munmap(map, size);
	*dmabuf = prime_handle_to_fd(vs, handle, DRM_CLOEXEC | DRM_RDWR);
	return handle;
}

/* Every word of @p is @value, or the first that is not is reported. */
static void assert_words(const uint32_t *p, size_t size, uint32_t value,
			 const char *what)
{
	size_t i;

	for (i = 0; i < size / 4; i++)
		igt_assert_f(p[i] == value, "%s: word %zu is %#x, expected "
			     "%#x\n", what, i, p[i], value);
}

/* A job of vshare's engine fills @handle after @delay_ms: its sync_file. */
static int fill_job(int vs, uint32_t handle, uint32_t value,
		    uint32_t delay_ms)
{
	return vshare_submit_job(vs, (struct drm_vshare_submit){
		.op = VSHARE_JOB_FILL, .dst_handle = handle, .size = SIZE,
		.value = value, .delay_ms = delay_ms });
}

static void test_memory_fd_properties(struct vk *vk, int vs)
{
	VkPhysicalDeviceExternalBufferInfo info = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_BUFFER_INFO,
		.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
			 VK_BUFFER_USAGE_TRANSFER_DST_BIT,
		.handleType = DMA_BUF_TYPE,
	};
	VkExternalBufferProperties ext = {
		.sType = VK_STRUCTURE_TYPE_EXTERNAL_BUFFER_PROPERTIES,
	};
	VkMemoryFdPropertiesKHR props = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_FD_PROPERTIES_KHR,
	};
	const uint32_t all = vk->mem.memoryTypeCount < 32 ?
			     (1u << vk->mem.memoryTypeCount) - 1 : ~0u;
	uint32_t handle;
	int dmabuf;

	handle = pattern_buffer(vs, SIZE, 1, &dmabuf);
	vk_assert(vk->get_memory_fd_properties(vk->dev, DMA_BUF_TYPE, dmabuf,
					       &props));
	igt_info("memoryTypeBits %#x of %u memory types\n",
		 props.memoryTypeBits, vk->mem.memoryTypeCount);
	igt_assert_neq(props.memoryTypeBits, 0);
	igt_assert_eq_u32(props.memoryTypeBits & ~all, 0);
	/* The query does not take the descriptor. */
	igt_assert_lte(0, fcntl(dmabuf, F_GETFD));

	vkGetPhysicalDeviceExternalBufferProperties(vk->pdev, &info, &ext);
	igt_info("DMA_BUF buffers: features %#x, compatible types %#x\n",
		 ext.externalMemoryProperties.externalMemoryFeatures,
		 ext.externalMemoryProperties.compatibleHandleTypes);
	igt_assert(ext.externalMemoryProperties.externalMemoryFeatures &
		   VK_EXTERNAL_MEMORY_FEATURE_IMPORTABLE_BIT);
	close(dmabuf);
	gem_close(vs, handle);
}

static void test_import_buffer(struct vk *vk, int vs)
{
	struct vk_buffer src, dst;
	const size_t part = 8192;
	const size_t offset = 4 * 1021;
	size_t first = 0, bad;
	uint32_t handle;
	void *map;
	int dmabuf;

	handle = pattern_buffer(vs, SIZE, 2, &dmabuf);
	import_buffer(vk, dmabuf, SIZE, &src);
	host_buffer(vk, SIZE, &dst);

	memset(dst.map, 0, SIZE);
	cmd_run(vk, copy_cmd(vk, &src, 0, SIZE, &dst));
	bad = pattern_mismatches(dst.map, SIZE, 2, &first);
	igt_assert_f(!bad, "%zu words differ, the first at %zu: %#x\n", bad,
		     first, ((uint32_t *)dst.map)[first]);

	/* A range that starts neither on a page nor on a 16-byte boundary. */
	memset(dst.map, 0, SIZE);
	cmd_run(vk, copy_cmd(vk, &src, offset, part, &dst));
	for (first = 0; first < part / 4; first++)
		igt_assert_eq_u32(((uint32_t *)dst.map)[first],
				  pattern_word(offset / 4 + first, 2));
	igt_assert(all_zero((char *)dst.map + part, SIZE - part));

	buffer_destroy(vk, &dst);
	buffer_destroy(vk, &src);
	/* Reading it changed nothing. */
	map = vshare_mmap(vs, handle, SIZE, PROT_READ);
	igt_assert_eq(check_pattern(map, SIZE, 2), 0);
	munmap(map, SIZE);
	close(dmabuf);
	gem_close(vs, handle);
}

/* LINEAR B8G8R8A8 images that transfers read, importable as dma-bufs. */
static void require_linear_import(struct vk *vk, VkFormat format)
{
	VkDrmFormatModifierPropertiesListEXT list = {
		.sType = VK_STRUCTURE_TYPE_DRM_FORMAT_MODIFIER_PROPERTIES_LIST_EXT,
	};
	VkFormatProperties2 format_props = {
		.sType = VK_STRUCTURE_TYPE_FORMAT_PROPERTIES_2,
		.pNext = &list,
	};
	VkPhysicalDeviceImageDrmFormatModifierInfoEXT modifier = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_IMAGE_DRM_FORMAT_MODIFIER_INFO_EXT,
		.drmFormatModifier = DRM_FORMAT_MOD_LINEAR,
		.sharingMode = VK_SHARING_MODE_EXCLUSIVE,
	};
	VkPhysicalDeviceExternalImageFormatInfo ext_info = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_IMAGE_FORMAT_INFO,
		.pNext = &modifier,
		.handleType = DMA_BUF_TYPE,
	};
	VkPhysicalDeviceImageFormatInfo2 info = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_IMAGE_FORMAT_INFO_2,
		.pNext = &ext_info,
		.format = format,
		.type = VK_IMAGE_TYPE_2D,
		.tiling = VK_IMAGE_TILING_DRM_FORMAT_MODIFIER_EXT,
		.usage = VK_IMAGE_USAGE_TRANSFER_SRC_BIT,
	};
	VkExternalImageFormatProperties ext = {
		.sType = VK_STRUCTURE_TYPE_EXTERNAL_IMAGE_FORMAT_PROPERTIES,
	};
	VkImageFormatProperties2 props = {
		.sType = VK_STRUCTURE_TYPE_IMAGE_FORMAT_PROPERTIES_2,
		.pNext = &ext,
	};
	VkFormatFeatureFlags features = 0;
	uint32_t i;
	VkResult res;

	vkGetPhysicalDeviceFormatProperties2(vk->pdev, format, &format_props);
	list.pDrmFormatModifierProperties =
		calloc(list.drmFormatModifierCount,
		       sizeof(*list.pDrmFormatModifierProperties));
	igt_assert(list.pDrmFormatModifierProperties ||
		   !list.drmFormatModifierCount);
	vkGetPhysicalDeviceFormatProperties2(vk->pdev, format, &format_props);
	for (i = 0; i < list.drmFormatModifierCount; i++) {
		const VkDrmFormatModifierPropertiesEXT *m =
			&list.pDrmFormatModifierProperties[i];

		igt_info("modifier %#" PRIx64 ": %u plane(s), features %#x\n",
			 (uint64_t)m->drmFormatModifier,
			 m->drmFormatModifierPlaneCount,
			 m->drmFormatModifierTilingFeatures);
		if (m->drmFormatModifier == DRM_FORMAT_MOD_LINEAR)
			features = m->drmFormatModifierTilingFeatures;
	}
	free(list.pDrmFormatModifierProperties);
	igt_require_f(features & VK_FORMAT_FEATURE_TRANSFER_SRC_BIT,
		      "no LINEAR B8G8R8A8 images to transfer from\n");

	res = vkGetPhysicalDeviceImageFormatProperties2(vk->pdev, &info,
							&props);
	igt_require_f(res == VK_SUCCESS, "LINEAR B8G8R8A8 DMA_BUF images: "
		      "VkResult %d\n", res);
	igt_assert(ext.externalMemoryProperties.externalMemoryFeatures &
		   VK_EXTERNAL_MEMORY_FEATURE_IMPORTABLE_BIT);
	igt_assert_lte(WIDTH, props.imageFormatProperties.maxExtent.width);
	igt_assert_lte(HEIGHT, props.imageFormatProperties.maxExtent.height);
}

static void test_import_image(struct vk *vk, int vs)
{
	/* DRM_FORMAT_XRGB8888: B, G, R, X in memory. */
	const VkFormat format = VK_FORMAT_B8G8R8A8_UNORM;
	const uint32_t pitch = WIDTH * 4 + 256, seed = 3;
	const uint64_t size = (uint64_t)pitch * HEIGHT;
	const VkSubresourceLayout plane = { .rowPitch = pitch };
	const VkImageDrmFormatModifierExplicitCreateInfoEXT explicit = {
		.sType = VK_STRUCTURE_TYPE_IMAGE_DRM_FORMAT_MODIFIER_EXPLICIT_CREATE_INFO_EXT,
		.drmFormatModifier = DRM_FORMAT_MOD_LINEAR,
		.drmFormatModifierPlaneCount = 1,
		.pPlaneLayouts = &plane,
	};
	const VkExternalMemoryImageCreateInfo ext = {
		.sType = VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_IMAGE_CREATE_INFO,
		.pNext = &explicit,
		.handleTypes = DMA_BUF_TYPE,
	};
	const VkImageCreateInfo info = {
		.sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO,
		.pNext = &ext,
		.imageType = VK_IMAGE_TYPE_2D,
		.format = format,
		.extent = { WIDTH, HEIGHT, 1 },
		.mipLevels = 1,
		.arrayLayers = 1,
		.samples = VK_SAMPLE_COUNT_1_BIT,
		.tiling = VK_IMAGE_TILING_DRM_FORMAT_MODIFIER_EXT,
		.usage = VK_IMAGE_USAGE_TRANSFER_SRC_BIT,
		.sharingMode = VK_SHARING_MODE_EXCLUSIVE,
		.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED,
	};
	const VkImageSubresource plane0 = {
		.aspectMask = VK_IMAGE_ASPECT_MEMORY_PLANE_0_BIT_EXT,
	};
	VkImageDrmFormatModifierPropertiesEXT modifier = {
		.sType = VK_STRUCTURE_TYPE_IMAGE_DRM_FORMAT_MODIFIER_PROPERTIES_EXT,
	};
	/*
	 * The dma-buf's contents are the producer's: acquired from the
	 * external world in the GENERAL layout, as compositors do.
	 */
	VkImageMemoryBarrier acquire = {
		.sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER,
		.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT,
		.oldLayout = VK_IMAGE_LAYOUT_GENERAL,
		.newLayout = VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
		.srcQueueFamilyIndex = external_family(vk),
		.dstQueueFamilyIndex = vk->family,
		.subresourceRange = {
			.aspectMask = VK_IMAGE_ASPECT_COLOR_BIT,
			.levelCount = 1, .layerCount = 1,
		},
	};
	const VkBufferImageCopy region = {
		.imageSubresource = {
			.aspectMask = VK_IMAGE_ASPECT_COLOR_BIT,
			.layerCount = 1,
		},
		.imageExtent = { WIDTH, HEIGHT, 1 },
	};
	VkSubresourceLayout layout;
	VkMemoryRequirements req;
	VkDeviceMemory memory;
	VkCommandBuffer cmd;
	struct vk_buffer dst;
	uint32_t handle, x, y;
	uint8_t *map;
	VkImage image;
	int dmabuf;

	igt_require_f(vk->modifiers, "lavapipe has no "
		      "VK_EXT_image_drm_format_modifier: it offers it only "
		      "when it can import and export dma-bufs, which needs "
		      "/dev/udmabuf\n");
	require_linear_import(vk, format);

	/* Every pixel, and the padding at the end of each row, different. */
	handle = vshare_create(vs, size);
	map = vshare_mmap(vs, handle, size, PROT_READ | PROT_WRITE);
	fill_pattern(map, size, ~seed);
	for (y = 0; y < HEIGHT; y++)
		for (x = 0; x < WIDTH; x++)
			((uint32_t *)(map + y * pitch))[x] =
				pattern_xy(x, y, seed);
	munmap(map, size);
	dmabuf = prime_handle_to_fd(vs, handle, DRM_CLOEXEC | DRM_RDWR);

	vk_assert(vkCreateImage(vk->dev, &info, NULL, &image));
	vkGetImageMemoryRequirements(vk->dev, image, &req);
	igt_info("image: %" PRIu64 " bytes, dma-buf: %" PRIu64 "\n",
		 (uint64_t)req.size, size);
	igt_assert_lte_u64(req.size, size);
	memory = import_memory(vk, dmabuf, &req, VK_NULL_HANDLE, image);
	vk_assert(vkBindImageMemory(vk->dev, image, memory, 0));
	igt_assert(vk->get_image_modifier);
	vk_assert(vk->get_image_modifier(vk->dev, image, &modifier));
	igt_assert_eq_u64(modifier.drmFormatModifier, DRM_FORMAT_MOD_LINEAR);
	vkGetImageSubresourceLayout(vk->dev, image, &plane0, &layout);
	igt_assert_eq_u64(layout.offset, 0);
	igt_assert_eq_u64(layout.rowPitch, pitch);

	host_buffer(vk, (VkDeviceSize)WIDTH * HEIGHT * 4, &dst);
	memset(dst.map, 0, dst.size);
	cmd = cmd_begin(vk);
	acquire.image = image;
	vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT,
			     VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0, NULL, 0,
			     NULL, 1, &acquire);
	vkCmdCopyImageToBuffer(cmd, image,
			       VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
			       dst.buffer, 1, &region);
	host_read_barrier(cmd);
	cmd_run(vk, cmd);

	/* Tightly packed: the padding of the rows was left out. */
	for (y = 0; y < HEIGHT; y++)
		for (x = 0; x < WIDTH; x++) {
			uint32_t got = ((uint32_t *)dst.map)[y * WIDTH + x];

			igt_assert_f(got == pattern_xy(x, y, seed),
				     "pixel (%u, %u): %#x, expected %#x\n",
				     x, y, got, pattern_xy(x, y, seed));
		}

	buffer_destroy(vk, &dst);
	vkDestroyImage(vk->dev, image, NULL);
	vkFreeMemory(vk->dev, memory, NULL);
	close(dmabuf);
	gem_close(vs, handle);
}

static void test_gpu_write(struct vk *vk, int vs)
{
	const VkDeviceSize offset = 4096 + 64, len = 8192 + 4;
	const uint32_t base = 0x5a5a5a5a, value = 0xc0ffee01;
	uint32_t expect[SIZE / 4], handle;
	VkCommandBuffer cmd;
	struct vk_buffer b;
	size_t i;
	int dmabuf;

	handle = vshare_create(vs, SIZE);
	vshare_fill(vs, handle, 0, SIZE, base);
	dmabuf = prime_handle_to_fd(vs, handle, DRM_CLOEXEC | DRM_RDWR);
	import_buffer(vk, dmabuf, SIZE, &b);

	cmd = cmd_begin(vk);
	buffer_ownership(vk, cmd, b.buffer, true);
	vkCmdFillBuffer(cmd, b.buffer, offset, len, value);
	buffer_ownership(vk, cmd, b.buffer, false);
	cmd_run(vk, cmd);

	for (i = 0; i < SIZE / 4; i++)
		expect[i] = i * 4 >= offset && i * 4 < offset + len ?
			    value : base;
	igt_assert_eq_u32(vshare_crc32(vs, handle, 0, SIZE),
			  crc32_ieee(expect, SIZE));
	/* Not the kernel's fill any more: the comparison can fail. */
	igt_assert_neq_u64(vshare_crc32(vs, handle, 0, SIZE),
			   fill_crc(SIZE, base));

	buffer_destroy(vk, &b);
	close(dmabuf);
	gem_close(vs, handle);
}

static void test_export_to_vshare(struct vk *vk, int vs)
{
	const VkPhysicalDeviceExternalBufferInfo info = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_BUFFER_INFO,
		.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
			 VK_BUFFER_USAGE_TRANSFER_DST_BIT,
		.handleType = DMA_BUF_TYPE,
	};
	VkExternalBufferProperties ext = {
		.sType = VK_STRUCTURE_TYPE_EXTERNAL_BUFFER_PROPERTIES,
	};
	VkExportMemoryAllocateInfo export = {
		.sType = VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO,
		.handleTypes = DMA_BUF_TYPE,
	};
	VkMemoryDedicatedAllocateInfo dedicated = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_DEDICATED_ALLOCATE_INFO,
		.pNext = &export,
	};
	VkMemoryAllocateInfo alloc = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
		.pNext = &dedicated,
	};
	VkMemoryGetFdInfoKHR get_fd = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_GET_FD_INFO_KHR,
		.handleType = DMA_BUF_TYPE,
	};
	const uint32_t value = 0x600dcafe, kernel = 0x0badf00d;
	VkMemoryRequirements req;
	VkCommandBuffer cmd;
	struct vk_buffer b;
	uint32_t handle;
	int dmabuf = -1;
	VkResult res;

	vkGetPhysicalDeviceExternalBufferProperties(vk->pdev, &info, &ext);
	igt_require_f(ext.externalMemoryProperties.externalMemoryFeatures &
		      VK_EXTERNAL_MEMORY_FEATURE_EXPORTABLE_BIT,
		      "this lavapipe cannot export dma-bufs%s\n",
		      access("/dev/udmabuf", R_OK | W_OK) ?
		      " (it makes them with /dev/udmabuf, which is not here)" :
		      "");

	b.size = SIZE;
	b.buffer = buffer_create(vk, SIZE, info.usage, true);
	vkGetBufferMemoryRequirements(vk->dev, b.buffer, &req);
	dedicated.buffer = b.buffer;
	alloc.allocationSize = req.size;
	alloc.memoryTypeIndex = memory_type(vk, req.memoryTypeBits,
					    HOST_MEMORY);
	res = vkAllocateMemory(vk->dev, &alloc, NULL, &b.memory);
	igt_assert_f(res == VK_SUCCESS, "exportable memory: VkResult %d "
		     "(/dev/udmabuf: %s)\n", res,
		     access("/dev/udmabuf", R_OK | W_OK) ? "no" : "yes");
	vk_assert(vkBindBufferMemory(vk->dev, b.buffer, b.memory, 0));
	vk_assert(vkMapMemory(vk->dev, b.memory, 0, VK_WHOLE_SIZE, 0, &b.map));

	cmd = cmd_begin(vk);
	vkCmdFillBuffer(cmd, b.buffer, 0, SIZE, value);
	host_read_barrier(cmd);
	buffer_ownership(vk, cmd, b.buffer, false);
	cmd_run(vk, cmd);

	get_fd.memory = b.memory;
	vk_assert(vk->get_memory_fd(vk->dev, &get_fd, &dmabuf));
	igt_assert_lte(0, dmabuf);
	igt_assert_f(lseek(dmabuf, 0, SEEK_END) >= SIZE,
		     "the exported dma-buf is smaller than the memory\n");
	handle = prime_fd_to_handle(vs, dmabuf);

	/* vshare reads what lavapipe wrote... */
	igt_assert_eq_u32(vshare_crc32(vs, handle, 0, SIZE),
			  fill_crc(SIZE, value));
	/* ... and lavapipe's mapping shows what vshare writes. */
	vshare_fill(vs, handle, 0, 4096, kernel);
	assert_words(b.map, 4096, kernel, "after the kernel's fill");
	assert_words((uint32_t *)b.map + 1024, SIZE - 4096, value,
		     "past the kernel's fill");

	gem_close(vs, handle);
	close(dmabuf);
	buffer_destroy(vk, &b);
}

/* A sync_file as the temporary payload of a new binary semaphore. */
static VkSemaphore sync_file_semaphore(struct vk *vk, int sync_fd)
{
	const VkSemaphoreCreateInfo info = {
		.sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO,
	};
	VkImportSemaphoreFdInfoKHR import = {
		.sType = VK_STRUCTURE_TYPE_IMPORT_SEMAPHORE_FD_INFO_KHR,
		.flags = VK_SEMAPHORE_IMPORT_TEMPORARY_BIT,
		.handleType = VK_EXTERNAL_SEMAPHORE_HANDLE_TYPE_SYNC_FD_BIT,
	};
	VkSemaphore sem;
	VkResult res;

	vk_assert(vkCreateSemaphore(vk->dev, &info, NULL, &sem));
	import.semaphore = sem;
	import.fd = dup(sync_fd);
	igt_assert_lte(0, import.fd);
	res = vk->import_semaphore_fd(vk->dev, &import);
	if (res != VK_SUCCESS)
		close(import.fd);	/* still ours */
	igt_assert_f(res == VK_SUCCESS, "importing the sync_file: VkResult "
		     "%d\n", res);
	return sem;
}

struct implicit {
	struct vk *vk;
	int vs, dmabuf;
	uint32_t handle;
	struct vk_buffer src, dst;
	uint32_t current;	/* what the buffer holds */
};

/*
 * The copy waits for the semaphore of the dma-buf's sync_file: false if
 * the job was done before the semaphore could be made (try again, longer).
 */
static bool copy_waits(struct implicit *t, uint32_t value,
		       uint32_t delay_ms)
{
	struct vk_submission sub;
	VkSemaphore sem;
	int job, sync_fd;
	VkResult early;
	bool pending;

	job = fill_job(t->vs, t->handle, value, delay_ms);
	sync_fd = dmabuf_export_sync_file(t->dmabuf, DMA_BUF_SYNC_READ);
	if (poll_now(sync_fd, POLLIN)) {
		igt_info("the %u ms job was done before its sync_file was "
			 "exported\n", delay_ms);
		close(sync_fd);
		sync_file_wait_ok(job);
		t->current = value;
		return false;
	}
	sem = sync_file_semaphore(t->vk, sync_fd);

	memset(t->dst.map, 0, SIZE);
	sub = cmd_submit(t->vk, copy_cmd(t->vk, &t->src, 0, SIZE, &t->dst),
			 sem);
	/* Time enough for the copy alone; the job is not done yet. */
	early = vkWaitForFences(t->vk->dev, 1, &sub.fence, VK_TRUE,
				500 * 1000000ull);
	pending = !poll_now(job, POLLIN);
	igt_info("500 ms after the copy was submitted: job %s, copy %s\n",
		 pending ? "pending" : "done",
		 early == VK_SUCCESS ? "done" : "not done");
	igt_assert_f(!pending || early == VK_TIMEOUT,
		     "the copy finished before the job it waits for\n");
	submission_wait(t->vk, &sub);
	igt_assert_f(poll_now(job, POLLIN),
		     "the copy finished while the job was pending\n");
	assert_words(t->dst.map, SIZE, value, "copy after the semaphore");

	vkDestroySemaphore(t->vk->dev, sem, NULL);
	close(sync_fd);
	sync_file_wait_ok(job);
	t->current = value;
	return true;
}

/*
 * Without the semaphore the copy reads what is there: false if the job
 * was not pending from before the copy to after it (try again, longer).
 */
static bool copy_does_not_wait(struct implicit *t, uint32_t value,
			       uint32_t delay_ms)
{
	const uint32_t old = t->current;
	struct vk_submission sub;
	bool before, after;
	int job, sync_fd;

	job = fill_job(t->vs, t->handle, value, delay_ms);
	sync_fd = dmabuf_export_sync_file(t->dmabuf, DMA_BUF_SYNC_READ);
	memset(t->dst.map, 0, SIZE);
	before = !poll_now(sync_fd, POLLIN);
	sub = cmd_submit(t->vk, copy_cmd(t->vk, &t->src, 0, SIZE, &t->dst),
			 VK_NULL_HANDLE);
	submission_wait(t->vk, &sub);
	after = !poll_now(sync_fd, POLLIN);
	close(sync_fd);
	sync_file_wait_ok(job);
	t->current = value;
	if (!before || !after) {
		igt_info("the %u ms job was not pending for the whole copy "
			 "(before: %s, after: %s)\n", delay_ms,
			 before ? "pending" : "done",
			 after ? "pending" : "done");
		return false;
	}
	assert_words(t->dst.map, SIZE, old,
		     "copy without the semaphore (an implicit wait?)");

	/* Once the job is done, the same copy sees it. */
	memset(t->dst.map, 0, SIZE);
	cmd_run(t->vk, copy_cmd(t->vk, &t->src, 0, SIZE, &t->dst));
	assert_words(t->dst.map, SIZE, value, "copy after the job");
	igt_assert_eq_u32(vshare_crc32(t->vs, t->handle, 0, SIZE),
			  fill_crc(SIZE, value));
	return true;
}

static void test_implicit_fence(struct vk *vk, int vs)
{
	static const uint32_t delays[] = { 3000, 6000, 10000 };
	VkPhysicalDeviceExternalSemaphoreInfo info = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_SEMAPHORE_INFO,
		.handleType = VK_EXTERNAL_SEMAPHORE_HANDLE_TYPE_SYNC_FD_BIT,
	};
	VkExternalSemaphoreProperties props = {
		.sType = VK_STRUCTURE_TYPE_EXTERNAL_SEMAPHORE_PROPERTIES,
	};
	struct implicit t = { .vk = vk, .vs = vs, .current = 0x01010101 };
	unsigned int i;

	igt_require_f(vk->semaphore_fd, "lavapipe has no "
		      "VK_KHR_external_semaphore_fd\n");
	vkGetPhysicalDeviceExternalSemaphoreProperties(vk->pdev, &info,
						       &props);
	igt_require_f(props.externalSemaphoreFeatures &
		      VK_EXTERNAL_SEMAPHORE_FEATURE_IMPORTABLE_BIT,
		      "lavapipe cannot import sync_files as semaphores\n");
	igt_assert(vk->import_semaphore_fd);

	t.handle = vshare_create(vs, SIZE);
	vshare_fill(vs, t.handle, 0, SIZE, t.current);
	t.dmabuf = prime_handle_to_fd(vs, t.handle, DRM_CLOEXEC | DRM_RDWR);
	/* Everything Vulkan needs is made before the jobs start. */
	import_buffer(vk, t.dmabuf, SIZE, &t.src);
	host_buffer(vk, SIZE, &t.dst);

	for (i = 0; i < ARRAY_SIZE(delays); i++)
		if (copy_waits(&t, 0xa0000000 + i, delays[i]))
			break;
	igt_assert_f(i < ARRAY_SIZE(delays), "no job stayed pending long "
		     "enough to wait for (%u ms)\n", delays[i - 1]);

	for (i = 0; i < ARRAY_SIZE(delays); i++)
		if (copy_does_not_wait(&t, 0xb0000000 + i, delays[i]))
			break;
	igt_assert_f(i < ARRAY_SIZE(delays), "no copy ran while a job was "
		     "pending (%u ms), the negative control never ran\n",
		     delays[i - 1]);

	buffer_destroy(vk, &t.dst);
	buffer_destroy(vk, &t.src);
	close(t.dmabuf);
	gem_close(vs, t.handle);
}

int igt_main()
{
	struct vk vk = { 0 };
	int vs = -1;

	igt_fixture() {
		vs = drm_open_driver_require("vshare", NODE_RENDER, 0);
		/*
		 * lavapipe only: the ICDs of real GPUs find nothing here, and
		 * loading each under qemu TCG takes seconds. lavapipe's
		 * "not a conformant implementation" line would be a warning
		 * for igt_runner.
		 */
		setenv("VK_LOADER_DRIVERS_SELECT", "*lvp*", 0);
		setenv("MESA_VK_IGNORE_CONFORMANCE_WARNING", "1", 0);
		vk_init(&vk);
	}

	igt_describe("vkGetMemoryFdPropertiesKHR takes a vshare dma-buf.");
	igt_subtest("memory-fd-properties")
		test_memory_fd_properties(&vk, vs);

	igt_describe("A vshare dma-buf as a VkBuffer reads back byte for "
		     "byte.");
	igt_subtest("import-buffer")
		test_import_buffer(&vk, vs);

	igt_describe("A vshare dma-buf as a LINEAR VkImage with its own pitch "
		     "reads back pixel for pixel.");
	igt_subtest("import-image")
		test_import_image(&vk, vs);

	igt_describe("What lavapipe writes to a vshare buffer, the kernel's "
		     "CRC-32 sees.");
	igt_subtest("gpu-write")
		test_gpu_write(&vk, vs);

	igt_describe("vshare imports a dma-buf lavapipe exports, both ways "
		     "coherent.");
	igt_subtest("export-to-vshare")
		test_export_to_vshare(&vk, vs);

	igt_describe("A sync_file of a busy vshare dma-buf, as a semaphore, "
		     "orders a Vulkan copy after the engine's write.");
	igt_subtest("implicit-fence")
		test_implicit_fence(&vk, vs);

	igt_fixture() {
		vk_fini(&vk);
		drm_close(vs);
	}
}
