"""The job logs in a MongoDB collection, a document per job, shared by every process of the service.

A document ``{_id: job_id, times, levels, messages, sizes, count}`` holds the kept lines as parallel arrays
(oldest first; ``sizes`` their message bytes) and ``count``, the lines ever appended, so ``count - kept``
were dropped. An append is one bulk_write of a ``$push`` with ``$slice: -1000`` per job (the line bound, kept
by the server in the same atomic write), then one read of ``sizes`` and, for a job past the byte bound, a
``$slice`` of its oldest lines guarded by the ``count`` it read (a later append trims for itself). Scalar arrays
rather than an array of line documents: no field names repeated per line, and the guard reads only ``sizes``."""
from typing import Dict, List, Optional

from pymongo import UpdateOne

from service_background.common.persistence.mongodb_persistence import MongoDbPersistence
from service_background.jobs.data.version1.job_log_line_v1 import (
    MAX_LINES,
    JobLogLineV1,
    fit_lines,
    kept_count,
    log_page,
    message_size,
)
from service_background.jobs.persistence.i_job_logs_persistence import IJobLogsPersistence

_FIELDS = ('times', 'levels', 'messages', 'sizes')


def _trim(keep: int) -> dict:
    """The update keeping the newest ``keep`` lines of a document (an empty ``$push`` applies the slice)."""
    return {'$push': {name: {'$each': [], '$slice': -keep} for name in _FIELDS}}


class JobLogsMongoDbPersistence(MongoDbPersistence, IJobLogsPersistence):

    def __init__(self):
        # the documents are per job, not lines: the data class tells the base only that no field is a date
        super().__init__('job_logs', JobLogLineV1)

    def append(self, correlation_id: Optional[str], lines_by_job: Dict[str, List[dict]]) -> Dict[str, int]:
        pushes = []
        for job_id, lines in lines_by_job.items():
            if not lines:
                continue
            kept = lines[fit_lines(lines):]  # the lines the bounds would drop at once are only counted
            values = {'times': [line['time'] for line in kept], 'levels': [line['level'] for line in kept],
                      'messages': [line['message'] for line in kept],
                      'sizes': [message_size(line['message']) for line in kept]}
            pushes.append(UpdateOne({'_id': job_id}, {
                '$push': {name: {'$each': values[name], '$slice': -MAX_LINES} for name in _FIELDS},
                '$inc': {'count': len(lines)}}, upsert=True))
        if pushes:
            self._collection.bulk_write(pushes, ordered=False)
        counts = {job_id: 0 for job_id in lines_by_job}
        trims = []
        for doc in self._collection.find({'_id': {'$in': list(lines_by_job)}}, {'sizes': 1, 'count': 1}):
            sizes = doc.get('sizes') or []
            keep = counts[doc['_id']] = kept_count(sizes)
            if keep < len(sizes):
                trims.append(UpdateOne({'_id': doc['_id'], 'count': doc['count']}, _trim(keep)))
        if trims:
            self._collection.bulk_write(trims, ordered=False)
        return counts

    def get_log(self, correlation_id: Optional[str], job_id: str, skip: int, take: int) -> dict:
        doc = self._collection.find_one({'_id': job_id}, {'times': 1, 'levels': 1, 'messages': 1, 'count': 1})
        if doc is None:
            return log_page(job_id, [], 0, 0)
        times, levels, messages = doc.get('times') or [], doc.get('levels') or [], doc.get('messages') or []
        end = min(len(messages), skip + take)
        lines = [{'time': times[i], 'level': levels[i], 'message': messages[i]} for i in range(skip, end)]
        return log_page(job_id, lines, len(messages), doc.get('count', 0) - len(messages))

    def get_job_ids(self, correlation_id: Optional[str], after: Optional[str], limit: int) -> List[str]:
        cursor = self._collection.find({'_id': {'$gt': after}} if after is not None else {}, {'_id': 1})
        return [doc['_id'] for doc in cursor.sort('_id', 1).limit(limit)]

    def delete_by_job_ids(self, correlation_id: Optional[str], job_ids: List[str]) -> None:
        if job_ids:
            self._collection.delete_many({'_id': {'$in': list(job_ids)}})
