import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthUserRepository } from './auth-user.repository.js';
import { AuthGuard } from './auth.guard.js';
import { PasswordService } from './password.service.js';
import { TokenService } from './token.service.js';

@Global()
@Module({
  providers: [TokenService, PasswordService, AuthUserRepository, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [TokenService, PasswordService],
})
export class AuthModule {}
