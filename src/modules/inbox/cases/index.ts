/**
 * Cases: service requests made from conversations. Public API of this part of the inbox.
 */
export { CasesService, CaseError, type CaseInput, type QueueDelivery } from './cases.service.ts';
export { registerCaseRoutes } from './cases.routes.ts';
export { casePaths, casePath, newCasePath, joinCasePath } from './cases.paths.ts';
export { parseSatisfaction, satisfactionQuestion } from './satisfaction.ts';
export { satisfactionAnswersJob } from './satisfaction-answers.ts';
export { formatReference, nextReference, referencePattern } from './reference.ts';
export { haversineMetres, isNearby } from './geo.ts';
export type { CaseSummary, SimilarCase } from './cases.queries.ts';
