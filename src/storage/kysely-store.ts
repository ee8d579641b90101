import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { partBlobKey, snapshotKeys, type SnapshotJob, type SnapshotKind, type SnapshotResult, type SnapshotSpec, type VodTemplate, type AccessKey, type Account, type ConsoleSession, type Cover, type Image, type Job, type JobStatus, type KeyStatus, type MultipartUpload, type Template, type TemplateConfig, type UploadPart, type Video } from '../covers/model.js';
import type { EventSubject, PublishInput, Store, VideoPatch, VideoQuery } from '../covers/ports.js';
import type { Database } from './schema.js';
import { TurnCoalescer } from './turn-coalescer.js';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * The metadata store on Kysely: the same queries for SQLite and PostgreSQL. Every query that takes an
 * account id filters by it, so one account can never read or change another's rows.
 */
export class KyselyStore implements Store {
  /** ListAIImageInfo answers, by video, for coverCacheMs; dropped by this store's own writes to covers. */
  private readonly coverCache = new Map<string, { covers: Promise<Cover[] | undefined>; until: number }>();
  /** Without a cache (other processes write covers too): one query per video per event-loop turn. */
  private readonly coverReads = new TurnCoalescer<Cover[] | undefined>();

  constructor(
    readonly db: Kysely<Database>,
    /** PostgreSQL needs row locks to serialise publishing versions; SQLite serialises every write anyway. */
    private readonly lockRows: boolean,
    /**
     * How long a video's cover list may be served from memory (0: never). Every write to covers through
     * this store drops it at once, so with one process writing, nothing stale is ever served.
     */
    private readonly coverCacheMs = 0,
  ) {}

  async ensureAccount(name: string, id: string, now: Date): Promise<Account> {
    await this.db.insertInto('accounts').values({ id, name, default_template_id: null, created_at: iso(now) })
      .onConflict((oc) => oc.column('name').doNothing()).execute();
    const row = await this.db.selectFrom('accounts').selectAll().where('name', '=', name).executeTakeFirstOrThrow();
    return { id: row.id, name: row.name, createdAt: new Date(row.created_at) };
  }

  async findAccount(id: string): Promise<Account | undefined> {
    const row = await this.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : { id: row.id, name: row.name, createdAt: new Date(row.created_at) };
  }

  async insertAccessKey(key: AccessKey): Promise<void> {
    await this.db.insertInto('access_keys').values({ id: key.id, secret: key.secret, account_id: key.accountId, status: key.status, created_at: iso(key.createdAt) }).execute();
  }

  async findAccessKey(id: string): Promise<AccessKey | undefined> {
    const row = await this.db.selectFrom('access_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : { id: row.id, secret: row.secret, accountId: row.account_id, status: row.status as KeyStatus, createdAt: new Date(row.created_at) };
  }

  async listAccessKeys(): Promise<(Omit<AccessKey, 'secret'> & { accountName: string })[]> {
    const rows = await this.db.selectFrom('access_keys').innerJoin('accounts', 'accounts.id', 'access_keys.account_id')
      .select(['access_keys.id', 'access_keys.account_id', 'access_keys.status', 'access_keys.created_at', 'accounts.name'])
      .orderBy('access_keys.created_at').execute();
    return rows.map((r) => ({ id: r.id, accountId: r.account_id, status: r.status as KeyStatus, createdAt: new Date(r.created_at), accountName: r.name }));
  }

  async setAccessKeyStatus(id: string, status: KeyStatus): Promise<boolean> {
    const result = await this.db.updateTable('access_keys').set({ status }).where('id', '=', id).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async insertVideo(video: Video): Promise<void> {
    await this.db.insertInto('videos').values(videoRow(video)).execute();
  }

  async findVideo(accountId: string, id: string): Promise<Video | undefined> {
    const row = await this.db.selectFrom('videos').selectAll().where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
    return row === undefined ? undefined : toVideo(row);
  }

  async findVideoById(id: string): Promise<Video | undefined> {
    const row = await this.db.selectFrom('videos').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toVideo(row);
  }

  async updateVideo(accountId: string, id: string, patch: VideoPatch, now: Date): Promise<Video | undefined> {
    const set: Partial<Database['videos']> = { modified_at: iso(now) };
    if (patch.title !== undefined) set.title = patch.title;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.coverUrl !== undefined) set.cover_url = patch.coverUrl;
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.duration !== undefined) set.duration = patch.duration;
    if (patch.size !== undefined) set.size = patch.size;
    if (patch.sourceKey !== undefined) set.source_key = patch.sourceKey;
    if (patch.errorCode !== undefined) set.error_code = patch.errorCode;
    if (patch.errorMessage !== undefined) set.error_message = patch.errorMessage;
    if (patch.width !== undefined) set.width = patch.width;
    if (patch.height !== undefined) set.height = patch.height;
    if (patch.fps !== undefined) set.fps = patch.fps;
    if (patch.bitrate !== undefined) set.bitrate = patch.bitrate;
    await this.db.updateTable('videos').set(set).where('id', '=', id).where('account_id', '=', accountId).execute();
    return this.findVideo(accountId, id);
  }

  async deleteVideo(accountId: string, id: string): Promise<string[] | undefined> {
    this.forgetCovers(id);
    return this.db.transaction().execute(async (trx) => {
      const video = await trx.selectFrom('videos').select(['source_key', 'object_key']).where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
      if (video === undefined) return undefined;
      // A multipart upload still in progress goes with its video, staged parts and all.
      const staged = video.object_key === '' ? [] : await trx.selectFrom('upload_parts').innerJoin('multipart_uploads', 'multipart_uploads.id', 'upload_parts.upload_id')
        .select(['upload_parts.upload_id', 'upload_parts.part_number']).where('multipart_uploads.object_key', '=', video.object_key).execute();
      if (video.object_key !== '') {
        const uploads = trx.selectFrom('multipart_uploads').select('id').where('object_key', '=', video.object_key);
        await trx.deleteFrom('upload_parts').where('upload_id', 'in', uploads).execute();
        await trx.deleteFrom('multipart_uploads').where('object_key', '=', video.object_key).execute();
      }
      const covers = await trx.selectFrom('covers').select('path').where('video_id', '=', id).execute();
      const snapshots = (await trx.selectFrom('snapshot_jobs').selectAll().where('video_id', '=', id).execute()).map(toSnapshotJob);
      await trx.deleteFrom('covers').where('video_id', '=', id).execute();
      await trx.deleteFrom('jobs').where('video_id', '=', id).execute();
      await trx.deleteFrom('snapshot_jobs').where('video_id', '=', id).execute();
      await trx.deleteFrom('videos').where('id', '=', id).execute();
      return [
        ...(video.source_key === '' ? [] : [video.source_key]), ...covers.map((c) => c.path.slice(1)), ...staged.map((p) => partBlobKey(p.upload_id, Number(p.part_number))),
        ...snapshots.flatMap(snapshotKeys),
      ];
    });
  }

  async listVideos(accountId: string, q: VideoQuery): Promise<{ videos: Video[]; total: number }> {
    let query = this.db.selectFrom('videos').where('account_id', '=', accountId);
    if (q.statuses.length > 0) query = query.where('status', 'in', [...q.statuses]);
    if (q.from !== undefined) query = query.where('created_at', '>=', iso(q.from));
    if (q.to !== undefined) query = query.where('created_at', '<', iso(q.to));
    if (q.titleContains !== undefined && q.titleContains !== '') {
      // LIKE with the user's text escaped; lower() on both sides, as PostgreSQL's LIKE is case-sensitive.
      const pattern = `%${q.titleContains.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query = query.where(sql<boolean>`lower(title) like ${pattern} escape '\\'`);
    }
    const [rows, count] = await Promise.all([
      query.selectAll().orderBy('created_at', q.newestFirst ? 'desc' : 'asc').orderBy('id', q.newestFirst ? 'desc' : 'asc').limit(q.limit).offset(q.offset).execute(),
      query.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst(),
    ]);
    return { videos: rows.map(toVideo), total: Number(count?.n ?? 0) };
  }

  async abandonedVideoUploads(before: Date, limit: number): Promise<Video[]> {
    const rows = await this.db.selectFrom('videos').selectAll().where('status', '=', 'Uploading').where('object_key', '!=', '')
      .where('modified_at', '<', iso(before)).orderBy('modified_at').limit(limit).execute();
    return rows.map(toVideo);
  }

  async insertImage(image: Image): Promise<void> {
    await this.db.insertInto('images').values({
      id: image.id, account_id: image.accountId, type: image.type, ext: image.ext, title: image.title, object_key: image.objectKey,
      status: image.status, size: image.size, created_at: iso(image.createdAt), modified_at: iso(image.modifiedAt),
    }).execute();
  }

  async findImage(accountId: string, id: string): Promise<Image | undefined> {
    const image = await this.findImageById(id);
    return image?.accountId === accountId ? image : undefined;
  }

  async findImageById(id: string): Promise<Image | undefined> {
    const r = await this.db.selectFrom('images').selectAll().where('id', '=', id).executeTakeFirst();
    return r === undefined ? undefined : {
      id: r.id, accountId: r.account_id, type: r.type as Image['type'], ext: r.ext as Image['ext'], title: r.title, objectKey: r.object_key,
      status: r.status as Image['status'], size: Number(r.size), createdAt: new Date(r.created_at), modifiedAt: new Date(r.modified_at),
    };
  }

  async markImageUploaded(id: string, size: number, now: Date): Promise<void> {
    await this.db.updateTable('images').set({ status: 'Normal', size, modified_at: iso(now) }).where('id', '=', id).execute();
  }

  async insertMultipartUpload(upload: MultipartUpload): Promise<void> {
    await this.db.insertInto('multipart_uploads').values({ id: upload.id, account_id: upload.accountId, object_key: upload.objectKey, created_at: iso(upload.createdAt) }).execute();
  }

  async findMultipartUpload(id: string): Promise<MultipartUpload | undefined> {
    const r = await this.db.selectFrom('multipart_uploads').selectAll().where('id', '=', id).executeTakeFirst();
    return r === undefined ? undefined : toMultipartUpload(r);
  }

  async putUploadPart(part: UploadPart): Promise<void> {
    const row = { upload_id: part.uploadId, part_number: part.partNumber, md5: part.md5, size: part.size, created_at: iso(part.createdAt) };
    await this.db.insertInto('upload_parts').values(row)
      .onConflict((oc) => oc.columns(['upload_id', 'part_number']).doUpdateSet({ md5: row.md5, size: row.size, created_at: row.created_at })).execute();
  }

  async uploadParts(uploadId: string): Promise<UploadPart[]> {
    const rows = await this.db.selectFrom('upload_parts').selectAll().where('upload_id', '=', uploadId).orderBy('part_number').execute();
    return rows.map((r) => ({ uploadId: r.upload_id, partNumber: Number(r.part_number), md5: r.md5, size: Number(r.size), createdAt: new Date(r.created_at) }));
  }

  async completeMultipartUpload(id: string, parts: readonly number[]): Promise<void> {
    await this.db.updateTable('multipart_uploads').set({ completed_parts: JSON.stringify(parts) }).where('id', '=', id).execute();
  }

  async completedUploadOf(objectKey: string): Promise<MultipartUpload | undefined> {
    const r = await this.db.selectFrom('multipart_uploads').selectAll().where('object_key', '=', objectKey).where('completed_parts', 'is not', null).executeTakeFirst();
    return r === undefined ? undefined : toMultipartUpload(r);
  }

  async uploadPartsBytes(uploadId: string, except: number): Promise<number> {
    const row = await this.db.selectFrom('upload_parts').select((eb) => eb.fn.sum<number>('size').as('bytes'))
      .where('upload_id', '=', uploadId).where('part_number', '!=', except).executeTakeFirst();
    return Number(row?.bytes ?? 0);
  }

  async deleteMultipartUpload(id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('upload_parts').where('upload_id', '=', id).execute();
      await trx.deleteFrom('multipart_uploads').where('id', '=', id).execute();
    });
  }

  async multipartUploadsBefore(before: Date, limit: number): Promise<MultipartUpload[]> {
    const rows = await this.db.selectFrom('multipart_uploads').selectAll().where('created_at', '<', iso(before)).where('completed_parts', 'is', null)
      .orderBy('created_at').limit(limit).execute();
    return rows.map(toMultipartUpload);
  }

  async insertTemplate(t: Template): Promise<void> {
    await this.db.insertInto('templates').values({
      id: t.id, account_id: t.accountId, name: t.name, type: t.type, config: JSON.stringify(t.config), source: t.source,
      created_at: iso(t.createdAt), modified_at: iso(t.modifiedAt),
    }).execute();
  }

  async findTemplate(accountId: string, id: string): Promise<Template | undefined> {
    const row = await this.db.selectFrom('templates').selectAll().where('id', '=', id)
      .where((eb) => eb.or([eb('account_id', '=', accountId), eb('account_id', '=', '')])).executeTakeFirst();
    return row === undefined ? undefined : toTemplate(row);
  }

  async listTemplates(accountId: string): Promise<Template[]> {
    const rows = await this.db.selectFrom('templates').selectAll()
      .where((eb) => eb.or([eb('account_id', '=', accountId), eb('account_id', '=', '')]))
      .orderBy('source', 'desc').orderBy('created_at').orderBy('id').execute();
    return rows.map(toTemplate);
  }

  async updateTemplate(accountId: string, id: string, patch: { name?: string; config?: TemplateConfig }, now: Date): Promise<Template | undefined> {
    const set: Partial<Database['templates']> = { modified_at: iso(now) };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.config !== undefined) set.config = JSON.stringify(patch.config);
    await this.db.updateTable('templates').set(set).where('id', '=', id).where('account_id', '=', accountId).execute();
    return this.findTemplate(accountId, id);
  }

  async deleteTemplate(accountId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('templates').where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async defaultTemplateId(accountId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('accounts').select('default_template_id').where('id', '=', accountId).executeTakeFirst();
    return row?.default_template_id ?? undefined;
  }

  async setDefaultTemplate(accountId: string, templateId: string): Promise<void> {
    await this.db.updateTable('accounts').set({ default_template_id: templateId }).where('id', '=', accountId).execute();
  }

  async insertJob(job: Job): Promise<void> {
    await this.db.insertInto('jobs').values({
      id: job.id, account_id: job.accountId, video_id: job.videoId, template_id: job.templateId, template_config: JSON.stringify(job.templateConfig),
      user_data: job.userData, status: job.status, code: job.code, message: job.message, result: JSON.stringify(job.result),
      created_at: iso(job.createdAt), modified_at: iso(job.modifiedAt), frame_time: job.frameTime ?? null,
    }).execute();
  }

  async findJob(id: string): Promise<Job | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toJob(row);
  }

  async findJobs(accountId: string, ids: readonly string[]): Promise<Job[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('jobs').selectAll().where('account_id', '=', accountId).where('id', 'in', [...ids]).execute();
    const byId = new Map(rows.map((r) => [r.id, toJob(r)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async latestJobs(accountId: string, videoIds: readonly string[]): Promise<Job[]> {
    if (videoIds.length === 0) return [];
    const rows = await this.db.selectFrom('jobs as j').selectAll('j').where('j.account_id', '=', accountId).where('j.video_id', 'in', [...videoIds])
      .where(({ eb, selectFrom }) => eb('j.created_at', '=', selectFrom('jobs as k').select((k) => k.fn.max('k.created_at').as('newest')).whereRef('k.video_id', '=', 'j.video_id')))
      .orderBy('j.created_at', 'desc').orderBy('j.id', 'desc').execute();
    // Two jobs submitted in the same millisecond: the first row (highest id) speaks for the video.
    const seen = new Set<string>();
    return rows.filter((r) => !seen.has(r.video_id) && seen.add(r.video_id)).map(toJob);
  }

  async videoJobs(accountId: string, videoId: string, limit: number): Promise<Job[]> {
    const rows = await this.db.selectFrom('jobs').selectAll().where('account_id', '=', accountId).where('video_id', '=', videoId)
      .orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toJob);
  }

  async unfinishedJobIds(): Promise<string[]> {
    const rows = await this.db.selectFrom('jobs').select('id').where('status', 'in', ['init', 'processing']).orderBy('created_at').execute();
    return rows.map((r) => r.id);
  }

  async setJobStatus(id: string, status: JobStatus, outcome: { code: string; message: string }, now: Date): Promise<void> {
    await this.db.updateTable('jobs').set({ status, code: outcome.code, message: outcome.message, modified_at: iso(now) })
      .where('id', '=', id).where('status', 'not in', ['success', 'fail']).execute();
  }

  async markEventSent(kind: EventSubject, id: string, mark: string): Promise<void> {
    const table = ({ cover: 'jobs', snapshot: 'snapshot_jobs', upload: 'videos' } as const)[kind];
    await this.db.updateTable(table).set({ event_sent: mark }).where('id', '=', id).execute();
  }

  async publishCovers(input: PublishInput, now: Date): Promise<number | undefined> {
    const published = await this.db.transaction().execute(async (trx) => {
      // With several workers, a job whose lease expired may be published by two of them at once: the row
      // lock makes the second wait and then see the first one's success.
      let jobQuery = trx.selectFrom('jobs').select(['status', 'video_id']).where('id', '=', input.jobId);
      if (this.lockRows) jobQuery = jobQuery.forUpdate();
      const job = await jobQuery.executeTakeFirst();
      if (job === undefined || job.status === 'success' || job.status === 'fail') return undefined;
      let videoQuery = trx.selectFrom('videos').select('id').where('id', '=', job.video_id);
      if (this.lockRows) videoQuery = videoQuery.forUpdate();
      if ((await videoQuery.executeTakeFirst()) === undefined) return undefined;
      const top = await trx.selectFrom('covers').select((eb) => eb.fn.max('version').as('v')).where('video_id', '=', job.video_id).executeTakeFirst();
      const version = Number(top?.v ?? 0) + 1;
      if (input.covers.length > 0) {
        await trx.insertInto('covers').values(input.covers.map((c) => ({
          id: c.id, account_id: c.accountId, video_id: c.videoId, job_id: c.jobId, version, format: c.format, score: c.score, time: c.time,
          path: c.path, width: c.width, height: c.height, bytes: c.bytes, created_at: iso(c.createdAt),
          blurhash: c.blurhash, faces: JSON.stringify(c.faces.map((f) => [f.x, f.y, f.width, f.height])),
        }))).execute();
      }
      await trx.updateTable('jobs').set({ status: 'success', code: '', message: '', result: JSON.stringify(input.result), modified_at: iso(now) })
        .where('id', '=', input.jobId).execute();
      if (input.coverPath !== undefined) {
        await trx.updateTable('videos').set({ cover_url: input.coverPath, modified_at: iso(now) }).where('id', '=', job.video_id).execute();
      }
      return version;
    });
    for (const c of input.covers) this.forgetCovers(c.videoId);
    return published;
  }

  async insertSession(session: ConsoleSession): Promise<void> {
    await this.db.insertInto('console_sessions').values({
      token_hash: session.tokenHash, account_id: session.accountId, access_key_id: session.accessKeyId, csrf_token: session.csrfToken,
      created_at: iso(session.createdAt), seen_at: iso(session.seenAt), expires_at: iso(session.expiresAt),
    }).execute();
  }

  async findSession(tokenHash: string): Promise<ConsoleSession | undefined> {
    const row = await this.db.selectFrom('console_sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row === undefined ? undefined : toSession(row);
  }

  async touchSession(tokenHash: string, seenAt: Date, expiresAt: Date): Promise<void> {
    await this.db.updateTable('console_sessions').set({ seen_at: iso(seenAt), expires_at: iso(expiresAt) }).where('token_hash', '=', tokenHash).execute();
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.db.deleteFrom('console_sessions').where('token_hash', '=', tokenHash).execute();
  }

  async deleteSessionsOfKey(accessKeyId: string): Promise<number> {
    const result = await this.db.deleteFrom('console_sessions').where('access_key_id', '=', accessKeyId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async deleteExpiredSessions(now: Date): Promise<number> {
    const result = await this.db.deleteFrom('console_sessions').where('expires_at', '<=', iso(now)).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  videoCovers(accountId: string, videoId: string): Promise<Cover[] | undefined> {
    const key = `${accountId}/${videoId}`;
    if (this.coverCacheMs <= 0) return this.coverReads.get(key, () => this.loadVideoCovers(accountId, videoId));
    const now = Date.now();
    const hit = this.coverCache.get(key);
    if (hit !== undefined && hit.until > now) return hit.covers;
    if (this.coverCache.size >= 10_000) this.coverCache.clear();
    const covers = this.loadVideoCovers(accountId, videoId);
    this.coverCache.set(key, { covers, until: now + this.coverCacheMs });
    covers.catch(() => this.coverCache.delete(key));
    return covers;
  }

  private forgetCovers(videoId: string): void {
    for (const key of this.coverCache.keys()) if (key.endsWith(`/${videoId}`)) this.coverCache.delete(key);
  }

  private async loadVideoCovers(accountId: string, videoId: string): Promise<Cover[] | undefined> {
    // One query: the video's row, joined with its covers (none when it has no covers yet).
    const rows = await this.db.selectFrom('videos').leftJoin('covers', 'covers.video_id', 'videos.id')
      .selectAll('covers').where('videos.id', '=', videoId).where('videos.account_id', '=', accountId)
      .orderBy('covers.score', 'desc').orderBy('covers.version', 'desc').orderBy('covers.path').execute();
    if (rows.length === 0) return undefined;
    return rows.filter((r) => r.id !== null).map((r) => toCover(r as Selectable<Database['covers']>));
  }

  async insertSnapshotJob(job: SnapshotJob): Promise<void> {
    await this.db.insertInto('snapshot_jobs').values({
      id: job.id, account_id: job.accountId, video_id: job.videoId, template_id: job.templateId, spec: JSON.stringify(job.spec), user_data: job.userData,
      base_url: job.baseUrl, status: job.status, code: job.code, message: job.message, result: job.result === undefined ? '' : JSON.stringify(job.result),
      created_at: iso(job.createdAt), modified_at: iso(job.modifiedAt),
    }).execute();
  }

  async findSnapshotJob(id: string): Promise<SnapshotJob | undefined> {
    const row = await this.db.selectFrom('snapshot_jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toSnapshotJob(row);
  }

  async setSnapshotJobStatus(id: string, status: JobStatus, outcome: { code: string; message: string; result?: SnapshotResult }, now: Date): Promise<void> {
    await this.db.updateTable('snapshot_jobs').set({
      status, code: outcome.code, message: outcome.message, modified_at: iso(now), ...(outcome.result === undefined ? {} : { result: JSON.stringify(outcome.result) }),
    }).where('id', '=', id).execute();
  }

  async latestSnapshotJob(accountId: string, videoId: string, kinds: readonly SnapshotKind[]): Promise<SnapshotJob | undefined> {
    // Few jobs per video: the kind is in the spec's JSON, checked here rather than in SQL.
    const rows = await this.db.selectFrom('snapshot_jobs').selectAll().where('account_id', '=', accountId).where('video_id', '=', videoId)
      .where('status', '=', 'success').orderBy('modified_at', 'desc').orderBy('id', 'desc').execute();
    return rows.map(toSnapshotJob).find((job) => kinds.includes(job.spec.kind));
  }

  async unfinishedSnapshotJobIds(): Promise<string[]> {
    return (await this.db.selectFrom('snapshot_jobs').select('id').where('status', 'in', ['init', 'processing']).execute()).map((r) => r.id);
  }

  async insertVodTemplate(template: VodTemplate): Promise<void> {
    await this.db.insertInto('vod_templates').values({
      id: template.id, account_id: template.accountId, name: template.name, type: template.type, config: template.config, spec: JSON.stringify(template.spec),
      created_at: iso(template.createdAt), modified_at: iso(template.modifiedAt),
    }).execute();
  }

  async findVodTemplate(accountId: string, id: string): Promise<VodTemplate | undefined> {
    const row = await this.db.selectFrom('vod_templates').selectAll().where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
    return row === undefined ? undefined : toVodTemplate(row);
  }

  async listVodTemplates(accountId: string, type: VodTemplate['type']): Promise<VodTemplate[]> {
    const rows = await this.db.selectFrom('vod_templates').selectAll().where('account_id', '=', accountId).where('type', '=', type)
      .orderBy('created_at', 'desc').orderBy('id').execute();
    return rows.map(toVodTemplate);
  }

  async updateVodTemplate(accountId: string, id: string, patch: { name?: string; config?: string; spec?: SnapshotSpec }, now: Date): Promise<VodTemplate | undefined> {
    await this.db.updateTable('vod_templates').set({
      ...(patch.name === undefined ? {} : { name: patch.name }), ...(patch.config === undefined || patch.spec === undefined ? {} : { config: patch.config, spec: JSON.stringify(patch.spec) }), modified_at: iso(now),
    })
      .where('id', '=', id).where('account_id', '=', accountId).execute();
    return this.findVodTemplate(accountId, id);
  }

  async deleteVodTemplate(accountId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('vod_templates').where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async coverAt(path: string): Promise<Cover | undefined> {
    const videoId = path.split('/')[1] ?? '';
    const row = await this.db.selectFrom('covers').selectAll().where('video_id', '=', videoId).where('path', '=', path).executeTakeFirst();
    return row === undefined ? undefined : toCover(row);
  }

  async deleteCovers(accountId: string, ids: readonly string[]): Promise<Cover[]> {
    if (ids.length === 0) return [];
    const deleted = await this.db.transaction().execute(async (trx) => {
      const rows = await trx.selectFrom('covers').selectAll().where('account_id', '=', accountId).where('id', 'in', [...ids]).execute();
      if (rows.length > 0) {
        await trx.deleteFrom('covers').where('id', 'in', rows.map((r) => r.id)).execute();
        // A video whose CoverURL is one of these covers has no cover any more (not a link to a deleted file).
        await trx.updateTable('videos').set({ cover_url: '' })
          .where('id', 'in', [...new Set(rows.map((r) => r.video_id))]).where('cover_url', 'in', rows.map((r) => r.path)).execute();
      }
      return rows.map(toCover);
    });
    for (const c of deleted) this.forgetCovers(c.videoId);
    return deleted;
  }

  /** A process-wide setting, created with `initial` by whichever process asks first. */
  async settingOrInit(name: string, initial: string): Promise<string> {
    await this.db.insertInto('settings').values({ name, value: initial }).onConflict((oc) => oc.column('name').doNothing()).execute();
    return (await this.db.selectFrom('settings').select('value').where('name', '=', name).executeTakeFirstOrThrow()).value;
  }

  /** Resolves once the database answers a query (readiness). */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

export function iso(date: Date): string {
  return date.toISOString();
}

function videoRow(v: Video): Database['videos'] {
  return {
    id: v.id, account_id: v.accountId, title: v.title, description: v.description, cover_url: v.coverUrl, status: v.status,
    duration: v.duration, size: v.size, source_key: v.sourceKey, source_url: v.sourceUrl, error_code: v.errorCode,
    error_message: v.errorMessage, upload_job_id: v.uploadJobId, user_data: v.userData, created_at: iso(v.createdAt), modified_at: iso(v.modifiedAt),
    object_key: v.objectKey, file_name: v.fileName, width: v.width, height: v.height, fps: v.fps, bitrate: v.bitrate, event_sent: v.urlEventSent ?? null,
  };
}

function toMultipartUpload(r: Selectable<Database['multipart_uploads']>): MultipartUpload {
  return {
    id: r.id, accountId: r.account_id, objectKey: r.object_key, createdAt: new Date(r.created_at),
    completedParts: r.completed_parts === null ? undefined : (JSON.parse(r.completed_parts) as number[]),
  };
}

function toVideo(r: Selectable<Database['videos']>): Video {
  return {
    id: r.id, accountId: r.account_id, title: r.title, description: r.description, coverUrl: r.cover_url, status: r.status as Video['status'],
    duration: Number(r.duration), size: Number(r.size), sourceKey: r.source_key, sourceUrl: r.source_url, errorCode: r.error_code,
    errorMessage: r.error_message, uploadJobId: r.upload_job_id, userData: r.user_data, createdAt: new Date(r.created_at), modifiedAt: new Date(r.modified_at),
    objectKey: r.object_key, fileName: r.file_name, width: Number(r.width), height: Number(r.height), fps: Number(r.fps), bitrate: Number(r.bitrate),
    ...(r.event_sent === null ? {} : { urlEventSent: r.event_sent }),
  };
}

function toTemplate(r: Selectable<Database['templates']>): Template {
  return {
    id: r.id, accountId: r.account_id, name: r.name, type: 'AIImage', config: JSON.parse(r.config) as TemplateConfig,
    source: r.source as Template['source'], createdAt: new Date(r.created_at), modifiedAt: new Date(r.modified_at),
  };
}

function toJob(r: Selectable<Database['jobs']>): Job {
  return {
    id: r.id, accountId: r.account_id, videoId: r.video_id, templateId: r.template_id, templateConfig: JSON.parse(r.template_config) as TemplateConfig,
    userData: r.user_data, status: r.status as JobStatus, code: r.code, message: r.message, result: JSON.parse(r.result) as Job['result'],
    createdAt: new Date(r.created_at), modifiedAt: new Date(r.modified_at),
    ...(r.frame_time === null ? {} : { frameTime: Number(r.frame_time) }),
    ...(r.event_sent === null ? {} : { eventSent: r.event_sent as JobStatus }),
  };
}

function toSession(r: Selectable<Database['console_sessions']>): ConsoleSession {
  return {
    tokenHash: r.token_hash, accountId: r.account_id, accessKeyId: r.access_key_id, csrfToken: r.csrf_token,
    createdAt: new Date(r.created_at), seenAt: new Date(r.seen_at), expiresAt: new Date(r.expires_at),
  };
}

function toCover(r: Selectable<Database['covers']>): Cover {
  return {
    id: r.id, accountId: r.account_id, videoId: r.video_id, jobId: r.job_id, version: Number(r.version), format: r.format as Cover['format'],
    score: Number(r.score), time: Number(r.time), path: r.path, width: Number(r.width), height: Number(r.height), bytes: Number(r.bytes),
    blurhash: r.blurhash, faces: r.faces === '' ? [] : (JSON.parse(r.faces) as number[][]).map(([x = 0, y = 0, width = 0, height = 0]) => ({ x, y, width, height })),
    createdAt: new Date(r.created_at),
  };
}

function toSnapshotJob(r: Selectable<Database['snapshot_jobs']>): SnapshotJob {
  return {
    id: r.id, accountId: r.account_id, videoId: r.video_id, templateId: r.template_id, spec: JSON.parse(r.spec) as SnapshotSpec, userData: r.user_data,
    baseUrl: r.base_url, status: r.status as JobStatus, code: r.code, message: r.message,
    ...(r.result === '' ? {} : { result: JSON.parse(r.result) as SnapshotResult }),
    ...(r.event_sent === null ? {} : { eventSent: r.event_sent as JobStatus }),
    createdAt: new Date(r.created_at), modifiedAt: new Date(r.modified_at),
  };
}

function toVodTemplate(r: Selectable<Database['vod_templates']>): VodTemplate {
  return {
    id: r.id, accountId: r.account_id, name: r.name, type: r.type as VodTemplate['type'], config: r.config, spec: JSON.parse(r.spec) as SnapshotSpec,
    createdAt: new Date(r.created_at), modifiedAt: new Date(r.modified_at),
  };
}
