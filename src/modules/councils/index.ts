export { CouncilsService, CouncilsError, type Council, type CouncilSettings } from './councils.service.ts';
export {
  loadGazetteer,
  normalisePostcode,
  parseCsv,
  type Gazetteer,
  type PostcodeLookup,
  type StreetMatch,
  type Ward,
} from './gazetteer/gazetteer.ts';
