import { Body, Controller, Get, HttpCode, Post, Put } from '@nestjs/common';
import type { UserResponse } from '@conduit/contracts';
import { CurrentUser, Public } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/token.service.js';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { RateLimit } from '../traffic/rate-limit.decorator.js';
import { loginSchema, registerSchema, updateUserSchema, type LoginBody, type RegisterBody, type UpdateUserBody } from './user.schemas.js';
import { UsersService } from './users.service.js';

@Controller()
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Public()
  @RateLimit('register')
  @Post('users')
  @HttpCode(201)
  async register(@Body(new ZodValidationPipe(registerSchema)) body: RegisterBody): Promise<UserResponse> {
    return { user: await this.users.register(body) };
  }

  @Public()
  @RateLimit('login')
  @Post('users/login')
  @HttpCode(200)
  async login(@Body(new ZodValidationPipe(loginSchema)) body: LoginBody): Promise<UserResponse> {
    return { user: await this.users.login(body) };
  }

  @Get('user')
  async current(@CurrentUser() user: AuthUser): Promise<UserResponse> {
    return { user: await this.users.current(user) };
  }

  @Put('user')
  async update(@CurrentUser() user: AuthUser, @Body(new ZodValidationPipe(updateUserSchema)) body: UpdateUserBody): Promise<UserResponse> {
    return { user: await this.users.update(user, body) };
  }
}
