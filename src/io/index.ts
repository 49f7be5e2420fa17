export {fileSystem} from './file_system';
