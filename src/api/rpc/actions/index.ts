import type { RpcAction } from '../gateway.js';
import { addAITemplate } from './add-ai-template.js';
import { createUploadImage } from './create-upload-image.js';
import { createUploadVideo } from './create-upload-video.js';
import { getMezzanineInfo } from './get-mezzanine-info.js';
import { getVideoList } from './get-video-list.js';
import { refreshUploadVideo } from './refresh-upload-video.js';
import { deleteAIImageInfos } from './delete-ai-image-infos.js';
import { deleteAITemplate } from './delete-ai-template.js';
import { deleteVideo } from './delete-video.js';
import { getAIImageJobs } from './get-ai-image-jobs.js';
import { getAITemplate } from './get-ai-template.js';
import { getVideoInfo } from './get-video-info.js';
import { listAIImageInfo } from './list-ai-image-info.js';
import { listAITemplate } from './list-ai-template.js';
import type { ActionServices } from './services.js';
import { setDefaultAITemplate } from './set-default-ai-template.js';
import { submitAIImageJob } from './submit-ai-image-job.js';
import { updateAITemplate } from './update-ai-template.js';
import { updateVideoInfo } from './update-video-info.js';
import { uploadMediaByURL } from './upload-media-by-url.js';
import { addVodTemplate } from './add-vod-template.js';
import { deleteVodTemplate } from './delete-vod-template.js';
import { getVodTemplate } from './get-vod-template.js';
import { listSnapshots } from './list-snapshots.js';
import { listVodTemplate } from './list-vod-template.js';
import { submitSnapshotJob } from './submit-snapshot-job.js';
import { updateVodTemplate } from './update-vod-template.js';

/** Every action the gateway serves, by wire name. */
export function buildActions(services: ActionServices): Map<string, RpcAction> {
  const all = [
    addAITemplate, updateAITemplate, deleteAITemplate, getAITemplate, listAITemplate, setDefaultAITemplate,
    submitAIImageJob, getAIImageJobs, listAIImageInfo, deleteAIImageInfos,
    getVideoInfo, updateVideoInfo, deleteVideo, uploadMediaByURL,
    createUploadVideo, refreshUploadVideo, createUploadImage, getMezzanineInfo, getVideoList,
    submitSnapshotJob, listSnapshots, addVodTemplate, updateVodTemplate, deleteVodTemplate, getVodTemplate, listVodTemplate,
  ].map((make) => make(services));
  return new Map(all.map((a) => [a.name, a]));
}
