#define G_LOG_DOMAIN "hearth-engine"

#include "hearth-engine-error.h"

#include "hvk.h"

G_DEFINE_QUARK (hearth-engine-error-quark, hearth_engine_error)

gboolean
hearth_engine_set_cancelled (GError **error, const char *what)
{
  g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CANCELLED, "%s was cancelled", what);
  return FALSE;
}

static HearthEngineError
code_from_device (int code)
{
  switch ((HearthVulkanError) code)
    {
    case HEARTH_VULKAN_ERROR_NO_VULKAN:
    case HEARTH_VULKAN_ERROR_NO_DEVICE:            return HEARTH_ENGINE_ERROR_NO_DEVICE;
    case HEARTH_VULKAN_ERROR_UNSUPPORTED:          return HEARTH_ENGINE_ERROR_UNSUPPORTED;
    case HEARTH_VULKAN_ERROR_OUT_OF_DEVICE_MEMORY: return HEARTH_ENGINE_ERROR_OUT_OF_DEVICE_MEMORY;
    case HEARTH_VULKAN_ERROR_DEVICE_LOST:          return HEARTH_ENGINE_ERROR_DEVICE_LOST;
    case HEARTH_VULKAN_ERROR_CANCELLED:            return HEARTH_ENGINE_ERROR_CANCELLED;
    case HEARTH_VULKAN_ERROR_OUT_OF_HOST_MEMORY:
    case HEARTH_VULKAN_ERROR_SHADER:
    case HEARTH_VULKAN_ERROR_FAILED:               break;
    }
  return HEARTH_ENGINE_ERROR_FAILED;
}

void
hearth_engine_error_from_device (GError **error, const char *what)
{
  GError *e = error != NULL ? *error : NULL;

  if (e == NULL || e->domain != HEARTH_VULKAN_ERROR)
    return;
  if (e->code == HEARTH_VULKAN_ERROR_CANCELLED)
    {
      g_clear_error (error);
      hearth_engine_set_cancelled (error, what);
      return;
    }
  e->domain = HEARTH_ENGINE_ERROR;
  e->code = code_from_device (e->code);
}
